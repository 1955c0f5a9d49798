package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.LivePushServer;
import io.livepush.fixtures.LiveServer;
import io.livepush.sse.SseTransport;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CORS for EventSource polyfills in headless Chromium (issue 12): a page on {@code http://localhost:P} reads a
 * stream from {@code http://127.0.0.1:P} (another origin; the transport allows {@code *}) with the headers
 * polyfills send, which needs a preflight that allows {@code Cache-Control} and {@code X-Requested-With}. Runs {@code src/test/js/cors-polyfill.mjs};
 * needs Node 20+ and Chromium like {@link BrowserEndToEndTest} (skipped by {@code -Dlivepush.browserTests=skip}).
 */
class CorsPolyfillBrowserTest {
  @RegisterExtension final LiveServer fixture = new LiveServer();
  private LivePushServer server;

  @Test
  void crossOriginPolyfillRequestReadsTheStream() throws Exception {
    BrowserHarness.assumeBrowserTests();
    server = fixture.start(LivePushServer.builder()
        .httpService(BrowserHarness.page("/page", "page"))
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}")
            .allowedOrigins("*").build()));
    JsonNode r = NodeScript.run(new ObjectMapper(), Duration.ofSeconds(120), List.of(), "cors-polyfill.mjs",
        "http://localhost:" + server.port() + "/page", "http://127.0.0.1:" + server.port() + "/m/1");
    assertThat(r.path("ok").asBoolean()).as("%s", r).isTrue();
    assertThat(r.path("status").asInt()).isEqualTo(200);
    assertThat(r.path("text").asText()).contains("retry: ").containsPattern("(?m)^id: ");
  }
}
