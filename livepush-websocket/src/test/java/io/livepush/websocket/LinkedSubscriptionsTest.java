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
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A session's subscriptions are a linked list ({@code Subscription.next}, {@code SessionSubscriptions.link/unlink}):
 * subscribe and unsubscribe many topics in random order (heads, tails and middles of the list unlinked, topics
 * followed again), then one event per topic: exactly the topics followed deliver, each once. And {@code "from"}
 * with CR, LF, NUL, TAB, U+010A, U+2028 in or around an id is a {@code bad-request} error whose message carries
 * none of them; the connection keeps serving and a valid {@code from} resumes after it (break7: both held).
 */
class LinkedSubscriptionsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int TOPICS = 40;
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

  private JsonNode request(String type, String topic, int ref) throws Exception {
    client.send("{\"type\":\"" + type + "\",\"topics\":[\"" + topic + "\"],\"ref\":\"" + ref + "\"}");
    JsonNode answer = JSON.readTree(client.next());
    assertThat(answer.get("ref").asText()).as("%s %s: %s", type, topic, answer).isEqualTo(String.valueOf(ref));
    return answer;
  }

  @Test
  void randomSubscribeAndUnsubscribeOrderDeliversExactlyTheFollowedTopicsOnce() throws Exception {
    server = LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(1).shutdownDrain(Duration.ZERO)
        .transport(WebSocketTransport.builder().build()).build();
    server.start().join();
    client = JdkClient.connect(server.port(), "/ws");
    Random random = new Random(7);
    List<String> topics = new ArrayList<>();
    for (int i = 0; i < TOPICS; i++) {
      topics.add("t" + i);
    }
    Set<String> followed = new HashSet<>();
    int ref = 0;
    for (int round = 0; round < 6; round++) {
      Collections.shuffle(topics, random);
      for (String t : topics) {
        boolean subscribe = random.nextInt(3) != 0;
        if (subscribe && !followed.contains(t)) {
          assertThat(request("subscribe", t, ++ref).get("type").asText()).isEqualTo("subscribed");
          followed.add(t);
        } else if (!subscribe && followed.contains(t)) {
          assertThat(request("unsubscribe", t, ++ref).get("type").asText()).isEqualTo("ack");
          followed.remove(t);
        }
      }
      for (String t : topics) {
        server.publish(t, Event.text(t + "-" + round));
      }
      Set<String> received = new HashSet<>();
      while (received.size() < followed.size()) {
        JsonNode e = JSON.readTree(client.next());
        assertThat(e.get("type").asText()).as("%s", e).isEqualTo("event");
        String data = e.get("data").asText();
        assertThat(data).as("round %s", round).isEqualTo(e.get("topic").asText() + "-" + round);
        assertThat(followed).as("delivered only for followed topics").contains(e.get("topic").asText());
        assertThat(received.add(e.get("topic").asText())).as("once: %s", e).isTrue();
      }
      // Nothing more this round: a ping-like round trip (an unsubscribe of a topic never followed) is answered
      // next, after any stray event would have been queued.
      String never = "never-" + round;
      JsonNode marker = request("unsubscribe", never, ++ref);
      assertThat(marker.get("type").asText()).as("%s", marker).isEqualTo("ack");
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
