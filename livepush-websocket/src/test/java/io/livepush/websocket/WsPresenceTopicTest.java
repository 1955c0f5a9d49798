package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.TopicAuthorizer;
import io.livepush.fixtures.LiveServer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Presence topics belong to the server (issue 10 item 4), on WebSocket with the JDK client: a client refused
 * {@code vip} cannot follow {@code vip~presence}, and a client {@code message} to a companion topic is refused
 * as {@code forbidden} before a relaying handler could publish it (which would forge {@code presence.join}).
 */
class WsPresenceTopicTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension final LiveServer fixture = new LiveServer();

  @Test
  void companionTopicsAreAuthorizedAsTheirBaseAndRefuseClientPublishes() throws Exception {
    AtomicInteger relayed = new AtomicInteger();
    LivePushServer server = fixture.start(LivePushServer.builder()
        .presence(t -> t.startsWith("room:"))
        .topicAuthorizer(TopicAuthorizer.byPrincipal((p, topic) -> !topic.equals("vip")))
        .transport(WebSocketTransport.builder().messageHandler((conn, msg) -> {
          relayed.incrementAndGet();
          conn.publish(msg.topic(), Event.json(msg.data()).withType("presence.join")); // a naive relay
          conn.ack(msg.ref());
        }).build()));
    JdkClient client = fixture.closeAfter(JdkClient.connect(fixture.port(), "/ws"));

    client.send("{\"type\":\"subscribe\",\"topics\":[\"vip~presence\"],\"ref\":\"s1\"}");
    assertError(client.next(), "forbidden", "s1");

    client.send("{\"type\":\"subscribe\",\"topics\":[\"room:1~presence\"],\"ref\":\"s2\"}");
    assertThat(JSON.readTree(client.next()).get("type").asText()).isEqualTo("subscribed");

    client.send("{\"type\":\"message\",\"topic\":\"room:1~presence\",\"data\":{\"id\":\"admin\"},\"ref\":\"m1\"}");
    assertError(client.next(), "forbidden", "m1");
    // An ordinary topic still relays, and the relay's ack comes after the refusal: nothing was published.
    client.send("{\"type\":\"message\",\"topic\":\"room:1\",\"data\":{},\"ref\":\"m2\"}");
    JsonNode ack = JSON.readTree(client.next());
    assertThat(ack.get("type").asText()).isEqualTo("ack");
    assertThat(ack.get("ref").asText()).isEqualTo("m2");
    assertThat(relayed).hasValue(1);
    assertThat(server.stats().published()).as("no forged presence event reached the log").isEqualTo(1);
  }

  private static void assertError(String text, String code, String ref) throws Exception {
    JsonNode n = JSON.readTree(text);
    assertThat(n.get("type").asText()).isEqualTo("error");
    assertThat(n.get("code").asText()).isEqualTo(code);
    assertThat(n.get("ref").asText()).isEqualTo(ref);
  }
}
