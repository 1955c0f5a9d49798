package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.Event;
import io.livepush.LivePushServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * livepush.js falls back to long-polling behind a {@link BufferingProxy} (issue 15), in headless Chromium: the
 * example's own server ({@link ScoreboardApp#server}: SSE, WebSocket and long-polling on one port) behind a proxy
 * that blocks upgrades and holds responses until they complete. The page subscribes from an id; the WebSocket
 * handshake fails, the SSE stream never delivers, and long-polling replays what followed the id and then every
 * live event, in order. Runs {@code src/test/js/longpoll-fallback.mjs}; needs Node 20+ and Chromium like
 * {@link BrowserEndToEndTest} (skipped by {@code -Dlivepush.browserTests=skip}).
 */
class LongPollFallbackBrowserTest {
  private final ObjectMapper mapper = new ObjectMapper();
  private final BrowserHarness harness = new BrowserHarness();

  @AfterEach
  void stop() throws Exception {
    harness.close();
  }

  @Test
  void behindABufferingProxyTheClientFallsBackToLongPollingAndMissesNothing() throws Exception {
    BrowserHarness.assumeBrowserTests();
    LivePushServer[] self = new LivePushServer[1];
    LivePushServer server = harness.closeLater(harness.scoreboard().shutdownDrain(Duration.ZERO)
        .httpService(BrowserHarness.page("/fallback.html", "fallback"))
        .httpService((req, body) -> {
          if (!req.path().equals("/test/lp-publish")) {
            return null;
          }
          int count = Integer.parseInt(req.queryParameters().get("count").get(0));
          List<String> ids = new ArrayList<>();
          for (int i = 0; i < count; i++) {
            ids.add(self[0].publish(i % 2 == 0 ? "lp:a" : "lp:b", Event.json(Map.of("i", i))).toString());
          }
          return BrowserHarness.json(mapper, Map.of("ids", ids));
        })
        .build());
    self[0] = server;
    server.start().join();
    BufferingProxy proxy = harness.closeLater(new BufferingProxy(server.port()));

    JsonNode r = NodeScript.run(mapper, Duration.ofSeconds(120), List.of(), "longpoll-fallback.mjs",
        "http://127.0.0.1:" + proxy.port() + "/fallback.html", "http://127.0.0.1:" + server.port());

    List<String> published = new ArrayList<>();
    r.get("published").forEach(n -> published.add(n.asText()));
    List<String> seen = new ArrayList<>();
    r.get("seen").get("events").forEach(e -> {
      seen.add(e.get("id").asText());
      assertThat(e.get("topic").asText()).startsWith("lp:");
    });
    assertThat(published).hasSize(4 + 20 + 7);
    assertThat(seen).as("every event once, in order").containsExactlyElementsOf(published);
    assertThat(r.get("seen").get("resets")).isEmpty();
    assertThat(r.get("transport").asText()).isEqualTo("longpoll");
    List<String> fallbacks = new ArrayList<>();
    r.get("seen").get("states").forEach(s -> {
      if (s.get("state").asText().equals("fallback")) {
        fallbacks.add(s.get("from").asText() + "->" + s.get("transport").asText());
      }
    });
    assertThat(fallbacks).containsExactly("websocket->sse", "sse->longpoll");
  }
}
