package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.LivePushServer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * CORS preflights for EventSource polyfills (issue 12): for an allowed origin the requested headers are echoed,
 * bounded and validated; raw preflights as Chromium sends them, over a real socket.
 */
class CorsPreflightTest {
  private LivePushServer server;

  @BeforeEach
  void start() {
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").allowedOrigins("https://app.example").build())
        .build();
    server.start().join();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private RawHttp.Response preflight(String origin, String requestHeaders) throws Exception {
    try (RawHttp c = new RawHttp(server.port())) {
      return c.exchange("OPTIONS /m/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: " + origin + "\r\n"
          + "Access-Control-Request-Method: GET\r\n"
          + (requestHeaders == null ? "" : "Access-Control-Request-Headers: " + requestHeaders + "\r\n") + "\r\n");
    }
  }

  private static List<String> allowed(RawHttp.Response r) {
    return Arrays.asList(r.header("access-control-allow-headers").split(", "));
  }

  @Test
  void polyfillHeadersAreEchoedForAllowedOrigins() throws Exception {
    RawHttp.Response r = preflight("https://app.example", "cache-control,last-event-id,x-requested-with,X-Custom-1");
    assertThat(r.status()).isEqualTo(204);
    assertThat(r.header("access-control-allow-origin")).isEqualTo("https://app.example");
    assertThat(r.header("access-control-allow-methods")).isEqualTo("GET, HEAD, OPTIONS");
    assertThat(allowed(r)).contains("cache-control", "last-event-id", "x-requested-with", "x-custom-1");
    assertThat(r.header("vary")).contains("Access-Control-Request-Headers");
    assertThat(r.header("content-length")).isNull();
  }

  @Test
  void invalidOrTooManyRequestedHeadersGetOnlyTheFixedList() throws Exception {
    List<String> fixed = Arrays.asList(CorsHeaders.DEFAULT.split(", "));
    assertThat(allowed(preflight("https://app.example", "x-ok, bad(name)"))).containsExactlyElementsOf(fixed);
    assertThat(allowed(preflight("https://app.example", "x-ok, with space"))).containsExactlyElementsOf(fixed);
    assertThat(allowed(preflight("https://app.example", "x-" + "a".repeat(CorsHeaders.MAX_NAME_LENGTH))))
        .containsExactlyElementsOf(fixed);
    StringBuilder many = new StringBuilder();
    for (int i = 0; i <= CorsHeaders.MAX_NAMES; i++) {
      many.append(i == 0 ? "" : ",").append("x-h").append(i);
    }
    assertThat(allowed(preflight("https://app.example", many.toString()))).containsExactlyElementsOf(fixed);
    assertThat(allowed(preflight("https://app.example", null))).containsExactlyElementsOf(fixed);
  }

  @Test
  void otherOriginsGet403() throws Exception {
    RawHttp.Response r = preflight("https://evil.example", "cache-control");
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.header("access-control-allow-origin")).isNull();
  }
}
