package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.AuthResult;
import io.livepush.ClientScripts;
import io.livepush.LivePushServer;
import io.livepush.Principal;
import io.livepush.fixtures.LiveServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The hardening defaults of issue 10 item 6, each on real sockets: failed authentications throttled per
 * address (429 + Retry-After), {@code nosniff} on every page and script, the {@code Host} allow-list (421).
 * (505 for other HTTP versions is in {@link HttpSemanticsTest}.)
 */
class DefaultGuardsTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @RegisterExtension final LiveServer fixture = new LiveServer();

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(fixture.uri(path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void failedAuthenticationsAreThrottledPerAddressWith429() throws Exception {
    fixture.start(LivePushServer.builder()
        .authenticationFailureRate(1, 3)
        .authenticator(req -> {
          List<String> t = req.queryParameters().get("ticket");
          return t != null && t.get(0).equals("good") ? AuthResult.allow(Principal.of("u"))
              : AuthResult.unauthorized("bad ticket");
        })
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()));
    try (RawSseClient ok = RawSseClient.open(http, fixture.uri("/m/1?ticket=good"), null)) {
      assertThat(ok.response.statusCode()).as("a success costs nothing").isEqualTo(200);
    }
    for (int i = 0; i < 3; i++) {
      assertThat(get("/m/1?ticket=guess" + i).statusCode()).isEqualTo(401);
    }
    HttpResponse<String> throttled = get("/m/1?ticket=guess3");
    assertThat(throttled.statusCode()).isEqualTo(429);
    int retryAfter = Integer.parseInt(throttled.headers().firstValue("retry-after").orElseThrow());
    assertThat(retryAfter).isBetween(1, 60);
    assertThat(get("/m/1?ticket=good").statusCode()).as("the address waits, even with a good ticket")
        .isEqualTo(429);
    assertThat(fixture.server().stats().refusals()).containsEntry("auth-failure-rate", 2L)
        .containsEntry("unauthorized", 3L);
  }

  @Test
  void authenticationThrottleCanBeDisabled() throws Exception {
    fixture.start(LivePushServer.builder()
        .authenticationFailureRate(0, 1)
        .authenticator(req -> AuthResult.unauthorized("no"))
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()));
    for (int i = 0; i < 5; i++) {
      assertThat(get("/m/1").statusCode()).isEqualTo(401);
    }
  }

  @Test
  void everyPageAndScriptCarriesNosniff() throws Exception {
    fixture.start(LivePushServer.builder().httpService(ClientScripts.service()).statsService("/stats")
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()));
    for (String path : new String[] {"/livepush/livepush.js", "/livepush/livepush-sse.js", "/stats", "/nope",
        "/m/bad%20topic"}) {
      HttpResponse<String> r = get(path);
      assertThat(r.headers().firstValue("x-content-type-options")).as(path + " " + r.statusCode())
          .contains("nosniff");
    }
    try (RawSseClient c = RawSseClient.open(http, fixture.uri("/m/1"), null)) {
      assertThat(c.response.headers().firstValue("x-content-type-options")).contains("nosniff");
    }
  }

  @Test
  void hostAllowListAnswers421ForOtherHosts() throws Exception {
    fixture.start(LivePushServer.builder().allowedHosts("LivePush.example", "127.0.0.1:1")
        .httpService(ClientScripts.service())
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()));
    String req = "GET /livepush/livepush.js HTTP/1.1\r\nHost: ";
    try (RawHttp c = new RawHttp(fixture.server().port())) {
      assertThat(c.exchange(req + "livepush.example:" + fixture.server().port() + "\r\n\r\n").status()).isEqualTo(200);
      assertThat(c.exchange(req + "LIVEPUSH.EXAMPLE\r\n\r\n").status()).isEqualTo(200);
    }
    try (RawHttp c = new RawHttp(fixture.server().port())) {
      // A DNS-rebinding page: the browser sends the attacker's name.
      RawHttp.Response r = c.exchange(req + "attacker.example\r\n\r\n");
      assertThat(r.status()).isEqualTo(421);
    }
    try (RawHttp c = new RawHttp(fixture.server().port())) {
      assertThat(c.exchange(req + "127.0.0.1:" + fixture.server().port() + "\r\n\r\n").status())
          .as("host:port entries match that port only").isEqualTo(421);
    }
    try (RawHttp c = new RawHttp(fixture.server().port())) {
      assertThat(c.exchange("GET /m/1 HTTP/1.0\r\n\r\n").status()).as("no host at all").isEqualTo(421);
    }
    try (RawHttp c = new RawHttp(fixture.server().port())) {
      assertThat(c.exchange("GET http://livepush.example/livepush/livepush.js HTTP/1.1\r\nHost: attacker.example"
          + "\r\n\r\n").status()).as("absolute-form: the target's authority decides").isEqualTo(200);
    }
    assertThat(get("/livepush/livepush.js").statusCode()).as("JDK client sends Host 127.0.0.1:port")
        .isEqualTo(421);
  }
}
