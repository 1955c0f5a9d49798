package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.ClientScripts;
import io.livepush.LivePushServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.1 semantics (RFC 9110, RFC 9112) on real sockets: HEAD on every kind of route, the request-target
 * forms and Host rules of RFC 9112 §3.2, OPTIONS, and 505 for other HTTP versions. The JDK client where it can
 * express the request, raw sockets otherwise.
 */
class HttpSemanticsTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private LivePushServer server;

  @BeforeEach
  void start() {
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .httpService(ClientScripts.service())
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").multiTopicPath("/events").build())
        .build();
    server.start().join();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  private RawHttp raw() throws Exception {
    return new RawHttp(server.port());
  }

  private String host() {
    return "Host: 127.0.0.1:" + server.port() + "\r\n";
  }

  @Test
  void headOnAnSseRouteGetsTheGetsHeadAndNeverOpensAStream() throws Exception {
    HttpResponse<String> head = http.send(HttpRequest.newBuilder(uri("/m/1"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("content-type")).contains("text/event-stream; charset=utf-8");
    assertThat(head.headers().firstValue("cache-control")).contains("no-cache");
    assertThat(head.body()).isEmpty();

    try (RawHttp c = raw()) {
      RawHttp.Response r = c.exchange("HEAD /m/2 HTTP/1.1\r\n" + host() + "\r\n");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("content-type")).isEqualTo("text/event-stream; charset=utf-8");
      assertThat(c.closedWithoutMoreBytes()).as("no retry:, no id, no heartbeat after a HEAD").isTrue();
    }
    // An invalid topic is 400 for GET and for HEAD alike.
    try (RawHttp c = raw()) {
      assertThat(c.exchange("HEAD /events HTTP/1.1\r\n" + host() + "\r\n").status()).isEqualTo(400);
    }
    assertThat(server.connectionCount()).isZero();
    assertThat(server.stats().subscriptions()).isZero();
  }

  @Test
  void headOnPagesAndUnknownPathsGetsStatusAndLengthWithoutBody() throws Exception {
    HttpResponse<String> get = http.send(HttpRequest.newBuilder(uri("/livepush/livepush.js")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    try (RawHttp c = raw()) {
      RawHttp.Response head = c.exchange("HEAD /livepush/livepush.js HTTP/1.1\r\n" + host() + "\r\n");
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("content-length")).isEqualTo(String.valueOf(get.body().getBytes(
          java.nio.charset.StandardCharsets.UTF_8).length));
      assertThat(head.header("content-type")).isEqualTo(get.headers().firstValue("content-type").orElseThrow());
      assertThat(head.header("x-content-type-options")).isEqualTo("nosniff");
      // Keep-alive: the next response starts right after the HEAD's head, so no body was sent.
      RawHttp.Response next = c.exchange("GET /livepush/livepush-sse.js HTTP/1.1\r\n" + host() + "\r\n");
      assertThat(next.status()).isEqualTo(200);
      assertThat(next.body()).contains("EventSource");
    }
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.exchange("HEAD /nope HTTP/1.1\r\n" + host() + "\r\n");
      assertThat(r.status()).isEqualTo(404);
      assertThat(c.closedWithoutMoreBytes()).isTrue();
    }
  }

  @Test
  void absoluteFormIsRoutedLikeOriginForm() throws Exception {
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.exchange("GET http://127.0.0.1:" + server.port()
          + "/livepush/livepush.js?v=1 HTTP/1.1\r\nHost: elsewhere.example\r\n\r\n");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).contains("LivePushClient");
    }
    try (RawHttp c = raw()) {
      c.send("GET HTTP://127.0.0.1/m/7 HTTP/1.1\r\n" + host() + "\r\n");
      RawHttp.Response r = c.read(true, false);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("content-type")).startsWith("text/event-stream");
    }
  }

  @Test
  void otherRequestTargetFormsAndBadHostsGet400() throws Exception {
    String[] bad = {
        "GET 127.0.0.1:80 HTTP/1.1\r\n" + host() + "\r\n",          // authority-form outside CONNECT
        "GET * HTTP/1.1\r\n" + host() + "\r\n",                     // asterisk-form outside OPTIONS
        "GET m/1 HTTP/1.1\r\n" + host() + "\r\n",                   // relative
        "GET ftp://h/m/1 HTTP/1.1\r\n" + host() + "\r\n",           // not http(s)
        "GET http://user@h/m/1 HTTP/1.1\r\n" + host() + "\r\n",     // userinfo
        "GET /m/1 HTTP/1.1\r\n\r\n",                                // HTTP/1.1 without Host
        "GET /m/1 HTTP/1.1\r\n" + host() + host() + "\r\n",         // two Host lines
        "GET /m/1 HTTP/1.1\r\nHost: a b\r\n\r\n",                   // invalid Host
        "GET /m/1 HTTP/1.1\r\nHost: h:99999\r\n\r\n",               // port out of range
        "GET /m/1 HTTP/1.1\r\nHost: [::1\r\n\r\n",                  // unclosed IP literal
        "GET /m/1 HTTP/1.1\r\nHost: h/x\r\n\r\n",                   // path in Host
    };
    for (String request : bad) {
      try (RawHttp c = raw()) {
        assertThat(c.exchange(request).status()).as(request).isEqualTo(400);
      }
    }
    try (RawHttp c = raw()) {
      assertThat(c.exchange("CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n").status())
          .isEqualTo(405);
    }
    // HTTP/1.0 may omit Host; an IPv6 literal and an empty port are valid hosts.
    try (RawHttp c = raw()) {
      assertThat(c.exchange("GET /livepush/livepush.js HTTP/1.0\r\n\r\n").status()).isEqualTo(200);
    }
    try (RawHttp c = raw()) {
      assertThat(c.exchange("GET /livepush/livepush.js HTTP/1.1\r\nHost: [::1]:\r\n\r\n").status()).isEqualTo(200);
    }
    assertThat(server.connectionCount()).isZero();
  }

  @Test
  void optionsIsAnsweredWithAllow() throws Exception {
    try (RawHttp c = raw()) {
      RawHttp.Response star = c.exchange("OPTIONS * HTTP/1.1\r\n" + host() + "\r\n");
      assertThat(star.status()).isEqualTo(204);
      assertThat(star.header("allow")).isEqualTo("GET, HEAD, POST, OPTIONS");
      assertThat(star.header("content-length")).as("RFC 9110 §8.6: none with 204").isNull();
      // keep-alive continues
      assertThat(c.exchange("GET /livepush/livepush.js HTTP/1.1\r\n" + host() + "\r\n").status()).isEqualTo(200);
    }
    HttpResponse<String> script = http.send(HttpRequest.newBuilder(uri("/livepush/livepush.js"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(script.statusCode()).isEqualTo(204);
    assertThat(script.headers().firstValue("allow")).contains("GET, HEAD, OPTIONS");
    HttpResponse<String> route = http.send(HttpRequest.newBuilder(uri("/m/1"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(route.statusCode()).isEqualTo(204);
    assertThat(route.headers().firstValue("allow")).contains("GET, HEAD, OPTIONS");
    assertThat(route.headers().firstValue("access-control-allow-origin")).isEmpty();
  }

  @Test
  void otherHttpVersionsGet505() throws Exception {
    for (String version : new String[] {"HTTP/2.0", "HTTP/1.2", "HTTP/3.0"}) {
      try (RawHttp c = raw()) {
        RawHttp.Response r = c.exchange("GET /livepush/livepush.js " + version + "\r\n" + host() + "\r\n");
        assertThat(r.status()).as(version).isEqualTo(505);
      }
    }
  }
}
