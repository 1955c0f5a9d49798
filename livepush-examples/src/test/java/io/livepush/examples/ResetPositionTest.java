package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.ConnectionInfo;
import io.livepush.ConnectionListener;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.LivePushServer;
import io.livepush.redis.RedisBus;
import io.livepush.sse.SseTransport;
import io.livepush.testing.ClusterClients;
import io.livepush.testing.CuttableProxy;
import io.livepush.testing.RedisServerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: a {@code reset} carries the stream's position, so an EventSource cut right after one resumes from it.
 * undici's EventSource and the npm {@code eventsource} package ({@code src/test/js/reset-position.mjs}) follow a
 * node of a Redis cluster whose epoch changes (Redis restarted empty), are cut, and must each come back from the
 * reset's id: the event published meanwhile arrives and no second reset follows. Needs Node 20+ and
 * {@code redis-server}; {@code -Dlivepush.browserTests=skip} skips it.
 */
class ResetPositionTest {
  private final ObjectMapper mapper = new ObjectMapper();
  private RedisServerProcess redis;
  private LivePushServer server;
  private CuttableProxy proxy;
  /** Every stream opened: its topic and the Last-Event-ID it sent ("" for none). */
  private final List<Map<String, String>> opened = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    if (server != null) {
      server.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void eventSourcesCutRightAfterAnEpochResetResumeFromItsPosition() throws Exception {
    BrowserHarness.assumeBrowserTests();
    redis = RedisServerProcess.start();
    server = LivePushServer.builder().host("127.0.0.1").port(0)
        .retry(Duration.ofMillis(200))
        .transport(SseTransport.builder().multiTopicPath("/sse").build())
        .httpService(control())
        .bus(RedisBus.builder().uri(redis.uri()).pollInterval(Duration.ofMillis(100)).build())
        // Non-blocking: recorded on the loop before the stream's first byte, never after the client saw it.
        .connectionListener(ConnectionListener.nonBlocking(new ConnectionListener() {
          @Override
          public void onOpen(ConnectionInfo c) {
            String from = c.request().header("Last-Event-ID");
            opened.add(Map.of("topic", String.join(",", c.request().queryParameters().get("topic")),
                "from", from == null ? "" : from));
          }
        }))
        .build();
    server.start().join();
    proxy = new CuttableProxy(server.port());
    JsonNode out = NodeScript.run(mapper, Duration.ofSeconds(120),
        List.of("--experimental-eventsource", "--no-warnings"), "reset-position.mjs",
        "http://127.0.0.1:" + proxy.port(), "http://127.0.0.1:" + server.port());
    assertThat(out.get("error")).as("%s", out).isNull();
    long newEpoch = out.get("epoch").asLong();
    for (String client : List.of("undici", "eventsource")) {
      JsonNode s = out.get(client);
      String topic = s.get("topic").asText();
      assertThat(s.get("resets")).as(client).hasSize(1);
      String resetId = s.at("/resets/0/id").asText();
      assertThat(EventId.parse(resetId).epoch()).as(client + ": the reset's SSE id").isEqualTo(newEpoch);
      assertThat(mapper.readTree(s.at("/resets/0/data").asText()).get("id").asText()).isEqualTo(resetId);
      JsonNode published = null;
      for (JsonNode p : out.at("/cut/published")) {
        if (p.get("topic").asText().equals(topic)) {
          published = p;
        }
      }
      assertThat(s.get("messages")).as(client).hasSize(1);
      assertThat(s.at("/messages/0/id").asText()).isEqualTo(published.get("id").asText());
      List<String> froms = new ArrayList<>();
      opened.stream().filter(m -> m.get("topic").equals(topic)).forEach(m -> froms.add(m.get("from")));
      assertThat(froms).as(client + ": Last-Event-ID of each stream").startsWith("", resetId);
    }
  }

  /** Test-only endpoints the Node script calls on the server directly, never through the proxy. */
  private HttpService control() {
    return (request, body) -> {
      if (!request.method().equals("POST")) {
        return null;
      }
      try {
        switch (request.path()) {
          case "/test/epoch" -> {
            long old = server.epoch();
            redis.kill();
            redis.startAgain();
            ClusterClients.await("a new epoch", () -> server.epoch() != old);
            return HttpReply.json(200, Long.toString(server.epoch()));
          }
          case "/test/cut" -> {
            List<String> topics = List.of(request.queryParameters().get("topics").get(0).split(","));
            proxy.cutAll();
            // Published right after the cut, before the clients are back (retry: 200 ms).
            List<Map<String, String>> published = new ArrayList<>();
            for (String t : topics) {
              published.add(Map.of("topic", t, "id", server.publish(t, Event.text(t + " while away")).toString()));
            }
            return BrowserHarness.json(mapper, Map.of("published", published));
          }
          default -> {
            return null;
          }
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
  }
}
