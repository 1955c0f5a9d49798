package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.LivePushServer;
import java.net.URI;
import java.net.http.WebSocket;
import java.util.List;
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

  private WsJsonClient client() {
    return new WsJsonClient(URI.create("ws://127.0.0.1:" + server.port() + "/ws"));
  }

  @Test
  void joinSayAndMembershipFollowConnections() throws Exception {
    WsJsonClient carol = client();
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

    WsJsonClient dave = client();
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
