package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.LivePushServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The chat room's protocol on a real socket, with the JDK's WebSocket client and the example's own wiring. */
class ChatRoomTest {
  private final ObjectMapper mapper = new ObjectMapper();
  private LivePushServer server;

  @BeforeEach
  void start() {
    server = ScoreboardApp.server(0).host("127.0.0.1").objectMapper(mapper)
        .httpService(ScoreboardApp.pages(List::of, topic -> 0, mapper)).build();
    server.start().join();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** One livepush.v1 connection that queues every server message; bounded by the test's few messages. */
  private final class Client implements WebSocket.Listener {
    final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
    final WebSocket ws;
    private final StringBuilder partial = new StringBuilder();

    Client() {
      ws = HttpClient.newHttpClient().newWebSocketBuilder().subprotocols("livepush.v1")
          .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws"), this).join();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          received.add(mapper.readTree(partial.toString()));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    void send(String json) {
      ws.sendText(json, true).join();
    }

    /** The next message of {@code type} (others, like replays of earlier events, are skipped). */
    JsonNode next(String type) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < deadline) {
        JsonNode m = received.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (m != null && m.get("type").asText().equals(type)) {
          return m;
        }
      }
      throw new AssertionError("no " + type + " within 5 s");
    }
  }

  @Test
  void joinSayAndMembershipFollowConnections() throws Exception {
    Client carol = new Client();
    carol.send("{\"type\":\"subscribe\",\"topics\":[\"chat\"],\"ref\":\"s\"}");
    carol.next("subscribed");

    carol.send("{\"type\":\"message\",\"topic\":\"chat\",\"data\":{\"say\":\"hi\"},\"ref\":\"1\"}");
    assertThat(carol.next("reply").get("data").get("error").asText()).isEqualTo("join first");
    carol.send("{\"type\":\"message\",\"topic\":\"chat\",\"data\":{\"join\":\" \\n \"},\"ref\":\"2\"}");
    assertThat(carol.next("reply").get("data").get("error").asText()).isEqualTo("name: empty");
    carol.send("{\"type\":\"message\",\"topic\":\"lobby\",\"data\":{\"join\":\"carol\"},\"ref\":\"3\"}");
    assertThat(carol.next("reply").get("data").has("error")).isTrue();

    carol.send("{\"type\":\"message\",\"topic\":\"chat\",\"data\":{\"join\":\"  carol\\u0007 \"},\"ref\":\"4\"}");
    JsonNode joined = carol.next("reply");
    assertThat(joined.get("ref").asText()).isEqualTo("4");
    assertThat(joined.at("/data/name").asText()).isEqualTo("carol");
    assertThat(joined.at("/data/members").toString()).isEqualTo("[\"carol\"]");
    assertThat(carol.next("event").at("/data/members").toString()).isEqualTo("[\"carol\"]");

    carol.send("{\"type\":\"message\",\"topic\":\"chat\",\"data\":{\"say\":\"" + "x".repeat(600) + "\"},\"ref\":\"5\"}");
    assertThat(carol.next("ack").get("ref").asText()).isEqualTo("5");
    JsonNode said = carol.next("event");
    assertThat(said.get("event").asText()).isEqualTo("message");
    assertThat(said.at("/data/from").asText()).isEqualTo("carol");
    assertThat(said.at("/data/text").asText()).hasSize(ChatRoom.MAX_TEXT_CHARS);

    Client dave = new Client();
    dave.send("{\"type\":\"message\",\"topic\":\"chat\",\"data\":{\"join\":\"dave\"},\"ref\":\"6\"}");
    assertThat(dave.next("reply").at("/data/members").toString()).isEqualTo("[\"carol\",\"dave\"]");
    assertThat(carol.next("event").at("/data/members").toString()).isEqualTo("[\"carol\",\"dave\"]");

    dave.ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
    assertThat(carol.next("event").at("/data/members").toString()).isEqualTo("[\"carol\"]");
    carol.ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
  }

  @Test
  void theQuestionIsReadFromJsonAndBounded() {
    assertThat(AskHandler.question("{\"question\":\"  why\\n  now? \"}".getBytes())).isEqualTo("why now?");
    assertThat(AskHandler.question("not json".getBytes())).isEmpty();
    assertThat(AskHandler.question("{}".getBytes())).isEmpty();
    assertThat(AskHandler.question(("{\"question\":\"" + "q".repeat(500) + "\"}").getBytes())).hasSize(200);
    assertThat(AskHandler.answer("")).startsWith("You asked nothing in particular.");
  }
}
