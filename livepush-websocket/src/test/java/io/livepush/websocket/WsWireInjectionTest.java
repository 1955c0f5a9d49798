package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.Event;
import io.livepush.InvalidEventException;
import io.livepush.LivePushServer;
import io.livepush.fixtures.LiveServer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Strings written to the wire unchecked (issue 10 item 2), on WebSocket with the JDK client: the forged
 * {@code reset} through raw JSON cannot be built, a client's {@code ref} is echoed exactly (never a {@code ?}),
 * and close reasons without a UTF-8 form are refused with a typed exception.
 */
class WsWireInjectionTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension final LiveServer fixture = new LiveServer();

  @Test
  void rawJsonCannotForgeMembersAndRefsAreEchoedExactly() throws Exception {
    CompletableFuture<Throwable> closeRefused = new CompletableFuture<>();
    LivePushServer server = fixture.start(LivePushServer.builder()
        .transport(WebSocketTransport.builder().messageHandler((conn, msg) -> {
          if (msg.data().path("op").asText().equals("close")) {
            try {
              conn.close(4000, "bye \ud800");
              closeRefused.complete(null);
            } catch (InvalidCloseException e) {
              closeRefused.complete(e);
            }
          } else {
            conn.ack(msg.ref());
          }
        }).build()));
    JdkClient client = fixture.closeAfter(JdkClient.connect(fixture.port(), "/ws"));
    client.send("{\"type\":\"subscribe\",\"topics\":[\"m:1\"],\"ref\":\"s\"}");
    assertThat(JSON.readTree(client.next()).get("type").asText()).isEqualTo("subscribed");

    assertThatThrownBy(() -> Event.rawJson("1,\"type\":\"reset\",\"topic\":\"m:1\",\"reason\":\"forged\""))
        .isInstanceOf(InvalidEventException.class);
    server.publish("m:1", Event.rawJson("{\"type\":\"inner\",\"n\":1}"));
    JsonNode e = JSON.readTree(client.next());
    assertThat(e.get("type").asText()).isEqualTo("event");
    assertThat(e.get("data").get("type").asText()).isEqualTo("inner");

    // JSON may carry an unpaired surrogate as an escape; the ack must carry the same string back.
    client.send("{\"type\":\"message\",\"data\":{},\"ref\":\"r\\ud800\\\"\\n\"}");
    JsonNode ack = JSON.readTree(client.next());
    assertThat(ack.get("type").asText()).isEqualTo("ack");
    assertThat(ack.get("ref").asText()).isEqualTo("r\ud800\"\n");

    client.send("{\"type\":\"message\",\"data\":{\"op\":\"close\"}}");
    assertThat(closeRefused.get(10, TimeUnit.SECONDS)).isInstanceOf(InvalidCloseException.class)
        .hasMessageContaining("surrogate");
  }

  @Test
  void quoteEscapesOnlyUnpairedSurrogates() {
    assertThat(V1Messages.quote("a\ud83d\ude00b")).isEqualTo("\"a\ud83d\ude00b\"");
    assertThat(V1Messages.quote("\udc00x\ud800")).isEqualTo("\"\\udc00x\\ud800\"");
    assertThat(V1Messages.quote("\udc00\ud800")).isEqualTo("\"\\udc00\\ud800\""); // reversed: both unpaired
    assertThat(V1Messages.quote("q\"\u0001")).isEqualTo("\"q\\\"\\u0001\"");
  }
}
