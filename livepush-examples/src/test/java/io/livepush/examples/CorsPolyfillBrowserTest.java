package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.LivePushServer;
import io.livepush.sse.SseTransport;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * CORS for EventSource polyfills in headless Chromium (issue 12): a page on {@code http://localhost:P} reads a
 * stream from {@code http://127.0.0.1:P} (another origin; the transport allows {@code *}) with the headers
 * polyfills send, which needs a preflight that allows {@code Cache-Control} and {@code X-Requested-With}. Runs {@code src/test/js/cors-polyfill.mjs};
 * needs Node 20+ and Chromium like {@link BrowserEndToEndTest} (skipped by {@code -Dlivepush.browserTests=skip}).
 */
class CorsPolyfillBrowserTest {
  private LivePushServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void crossOriginPolyfillRequestReadsTheStream() throws Exception {
    BrowserHarness.assumeBrowserTests();
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .httpService(BrowserHarness.page("/page", "page"))
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}")
            .allowedOrigins("*").build())
        .build();
    server.start().join();
    JsonNode r = NodeScript.run(new ObjectMapper(), Duration.ofSeconds(120), List.of(), "cors-polyfill.mjs",
        "http://localhost:" + server.port() + "/page", "http://127.0.0.1:" + server.port() + "/m/1");
    assertThat(r.path("ok").asBoolean()).as("%s", r).isTrue();
    assertThat(r.path("status").asInt()).isEqualTo(200);
    assertThat(r.path("text").asText()).contains("retry: ").containsPattern("(?m)^id: ");
  }
}
