package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.HttpReply;
import io.livepush.LivePushServer;
import io.livepush.sse.SseTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * CORS for EventSource polyfills in headless Chromium (issue 12): a page on {@code http://localhost:P} reads a
 * stream from {@code http://127.0.0.1:P} (another origin; the transport allows {@code *}) with the headers
 * polyfills send, which needs a preflight that allows {@code Cache-Control} and {@code X-Requested-With}. Runs {@code src/test/js/cors-polyfill.mjs};
 * needs Node 20+ and Chromium like {@link BrowserEndToEndTest} (skipped by {@code -Dlivepush.browserTests=skip}).
 */
class CorsPolyfillBrowserTest {
  private final Path jsDir = Path.of(System.getProperty("basedir", "")).toAbsolutePath().resolve("src/test/js");
  private LivePushServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void crossOriginPolyfillRequestReadsTheStream() throws Exception {
    Assumptions.assumeFalse("skip".equals(System.getProperty("livepush.browserTests")),
        "browser tests skipped by -Dlivepush.browserTests=skip");
    BrowserEndToEndTest.ensureNodeModules(jsDir, jsDir.resolve("../../../target/browser-tests").normalize());
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .httpService((req, body) -> req.path().equals("/page")
            ? HttpReply.of(200, "text/html; charset=utf-8", "<!doctype html><title>page</title>".getBytes()) : null)
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}")
            .allowedOrigins("*").build())
        .build();
    server.start().join();
    Process node = new ProcessBuilder(BrowserEndToEndTest.nodeCommand(), "cors-polyfill.mjs",
        "http://localhost:" + server.port() + "/page", "http://127.0.0.1:" + server.port() + "/m/1")
        .directory(jsDir.toFile())
        .redirectErrorStream(false)
        .start();
    String out = new String(node.getInputStream().readAllBytes()).trim();
    assertThat(node.waitFor(120, TimeUnit.SECONDS)).isTrue();
    JsonNode r = new ObjectMapper().readTree(out.isEmpty() ? "{}" : out);
    assertThat(r.path("ok").asBoolean()).as(out + new String(node.getErrorStream().readAllBytes())).isTrue();
    assertThat(r.path("status").asInt()).isEqualTo(200);
    assertThat(r.path("text").asText()).contains("retry: ").containsPattern("(?m)^id: ");
  }
}
