package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.ReplayConfig;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * livepush.v1 {@code "from"} with CR, LF, NUL, TAB, U+010A, U+2028 in or around an id: each is a clean resume or
 * a {@code bad-request} error whose message carries none of those characters; the connection keeps serving and a
 * valid {@code from} resumes after it (break7: held).
 */
class WsResumeIdHostileTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private LivePushServer server;
  private JdkClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.ws.abort();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void controlsInFromAreABadRequestWithNothingOfThemEchoed() throws Exception {
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .replay(ReplayConfig.builder().build())
        .transport(WebSocketTransport.builder().build()).build();
    server.start().join();
    EventId first = server.publish("a", Event.text("1"));
    EventId second = server.publish("a", Event.text("2"));
    client = JdkClient.connect(server.port(), "/ws");
    String[] around = {"\r", "\n", "\u0000", "\t", "\u010a", "\u2028", "\u2029", "\u0085", "\u000b"};
    int ref = 0;
    for (String c : around) {
      for (String from : new String[] {first + c, c + first, "1" + c + "-2"}) {
        String json = "{\"type\":\"subscribe\",\"topics\":[\"a\"],\"from\":"
            + JSON.writeValueAsString(JsonNodeFactory.instance.textNode(from)) + ",\"ref\":\"" + (++ref) + "\"}";
        client.send(json);
        JsonNode answer = JSON.readTree(client.next());
        assertThat(answer.get("type").asText()).as("%s", answer).isEqualTo("error");
        assertThat(answer.get("code").asText()).isEqualTo("bad-request");
        assertThat(answer.get("ref").asText()).isEqualTo(String.valueOf(ref));
        assertThat(answer.get("message").asText()).as("message of %s", answer)
            .matches("[\\x20-\\x7e]*");
      }
    }
    client.send("{\"type\":\"subscribe\",\"topics\":[\"a\"],\"from\":\"" + first + "\",\"ref\":\"ok\"}");
    // The replayed event and the subscribed answer, in whichever order the protocol sends them.
    JsonNode one = JSON.readTree(client.next());
    JsonNode two = JSON.readTree(client.next());
    JsonNode replayed = one.get("type").asText().equals("event") ? one : two;
    JsonNode subscribed = replayed == one ? two : one;
    assertThat(subscribed.get("type").asText()).as("%s", subscribed).isEqualTo("subscribed");
    assertThat(replayed.get("type").asText()).as("%s", replayed).isEqualTo("event");
    assertThat(replayed.get("id").asText()).as("%s", replayed).isEqualTo(second.toString());
  }
}
