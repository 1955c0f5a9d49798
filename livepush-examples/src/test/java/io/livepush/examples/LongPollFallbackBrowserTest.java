package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.Event;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.LivePushServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
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
  private ScheduledExecutorService answers;
  private LivePushServer server;
  private BufferingProxy proxy;

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (server != null) {
      server.close();
    }
    if (answers != null) {
      answers.shutdownNow();
    }
  }

  @Test
  void behindABufferingProxyTheClientFallsBackToLongPollingAndMissesNothing() throws Exception {
    Assumptions.assumeFalse("skip".equals(System.getProperty("livepush.browserTests")),
        "browser tests skipped by -Dlivepush.browserTests=skip");
    NodeScript.ensureNodeModules();
    answers = Executors.newSingleThreadScheduledExecutor();
    LivePushServer[] self = new LivePushServer[1];
    server = ScoreboardApp.server(0, new AskHandler(answers, Duration.ofMillis(50))).host("127.0.0.1")
        .shutdownDrain(Duration.ZERO)
        .httpService(HttpService.nonBlocking((req, body) -> req.path().equals("/fallback.html")
            ? HttpReply.of(200, "text/html; charset=utf-8",
                "<!doctype html><title>fallback</title>".getBytes(StandardCharsets.UTF_8))
            : null))
        .httpService((req, body) -> {
          if (!req.path().equals("/test/lp-publish")) {
            return null;
          }
          int count = Integer.parseInt(req.queryParameters().get("count").get(0));
          List<String> ids = new ArrayList<>();
          for (int i = 0; i < count; i++) {
            ids.add(self[0].publish(i % 2 == 0 ? "lp:a" : "lp:b", Event.json(Map.of("i", i))).toString());
          }
          try {
            return HttpReply.json(200, mapper.writeValueAsString(Map.of("ids", ids)));
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        })
        .build();
    self[0] = server;
    server.start().join();
    proxy = new BufferingProxy(server.port());

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
