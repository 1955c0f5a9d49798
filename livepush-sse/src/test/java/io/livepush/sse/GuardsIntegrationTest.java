package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.AuthResult;
import io.livepush.ConnectionInfo;
import io.livepush.ConnectionListener;
import io.livepush.LivePushServer;
import io.livepush.Principal;
import io.livepush.RequestInfo;
import io.livepush.TopicAuthorizer;
import io.livepush.fixtures.LiveServer;
import io.livepush.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Authentication, authorization and connection limits on real sockets (SSE). */
class GuardsIntegrationTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @RegisterExtension final LiveServer fixture = new LiveServer();

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(fixture.uri(path)).GET();
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private RawSseClient open(String path) throws Exception {
    return RawSseClient.open(http, fixture.uri(path), null);
  }

  @Test
  void authenticatorRefusesWith401Or403AndPrincipalReachesAuthorizerAndListeners() throws Exception {
    Set<String> tickets = ConcurrentHashMap.newKeySet();
    tickets.add("t-123");
    BlockingQueue<Principal> opened = new LinkedBlockingQueue<>();
    BlockingQueue<String> seenRequests = new LinkedBlockingQueue<>();
    fixture.start(LivePushServer.builder()
        .authenticator(req -> {
          seenRequests.add(req.toString());
          if ("1".equals(req.header("X-Explode"))) {
            throw new IllegalStateException("authenticator bug");
          }
          if (req.header("X-Banned") != null) {
            return AuthResult.forbidden("account suspended");
          }
          if ("alice-session".equals(req.cookie("session"))) {
            return AuthResult.allow(new Principal("alice", Map.of("role", "admin")));
          }
          List<String> t = req.queryParameters().get("ticket");
          if (t != null && tickets.remove(t.get(0))) { // single use
            return AuthResult.allow(Principal.of("bob"));
          }
          return AuthResult.unauthorized("credentials required", "Bearer realm=\"livepush\"");
        })
        .topicAuthorizer(TopicAuthorizer.byPrincipal((p, topic) ->
            !topic.startsWith("admin:") || "admin".equals(p.attributes().get("role"))))
        .connectionListener(new ConnectionListener() {
          @Override
          public void onOpen(ConnectionInfo c) {
            opened.add(c.principal());
          }
        })
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").route("/admin/{id}", "admin:{id}").build()));

    HttpResponse<String> none = get("/m/1");
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("www-authenticate")).contains("Bearer realm=\"livepush\"");
    assertThat(none.body()).contains("credentials required");
    assertThat(get("/m/1", "Cookie", "session=alice-session", "X-Banned", "1").statusCode()).isEqualTo(403);
    assertThat(get("/m/1", "X-Explode", "1").statusCode()).isEqualTo(401);

    HttpRequest aliceReq = HttpRequest.newBuilder(fixture.uri("/admin/1")).header("Cookie", "session=alice-session")
        .GET().build();
    HttpResponse<InputStream> alice = http.send(aliceReq, HttpResponse.BodyHandlers.ofInputStream());
    try {
      assertThat(alice.statusCode()).isEqualTo(200);
      assertThat(opened.poll(10, TimeUnit.SECONDS)).isEqualTo(new Principal("alice", Map.of("role", "admin")));
    } finally {
      alice.body().close();
    }

    try (RawSseClient bob = open("/m/2?ticket=t-123")) {
      assertThat(bob.response.statusCode()).isEqualTo(200);
      assertThat(opened.poll(10, TimeUnit.SECONDS)).isEqualTo(Principal.of("bob"));
    }
    assertThat(get("/m/2?ticket=t-123").statusCode()).as("a ticket works once").isEqualTo(401);
    tickets.add("t-456");
    HttpResponse<String> bobAdmin = get("/admin/1?ticket=t-456");
    assertThat(bobAdmin.statusCode()).isEqualTo(403);
    assertThat(bobAdmin.body()).contains("admin:1");

    assertThat(seenRequests).isNotEmpty().allSatisfy(r -> assertThat(r).doesNotContain("ticket"));
    assertThat(fixture.server().stats().refusals()).containsEntry("unauthorized", 3L).containsEntry("forbidden", 2L);
  }

  @Test
  void perAddressLimitGets503WithRetryAfterAndFreesOnClose() throws Exception {
    fixture.start(LivePushServer.builder().maxConnectionsPerAddress(1)
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()));
    try (RawSseClient c = open("/m/1")) {
      c.awaitAnyId();
      HttpResponse<String> r = get("/m/2");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.headers().firstValue("retry-after")).contains("3");
      assertThat(r.body()).contains("your address");
    }
    awaitConnections(0);
    try (RawSseClient again = open("/m/3")) {
      assertThat(again.response.statusCode()).isEqualTo(200);
      again.awaitAnyId();
    }
    assertThat(fixture.server().stats().refusals()).containsEntry("max-connections-per-address", 1L);
  }

  @Test
  void admissionRateGets503WithRetryAfter() throws Exception {
    fixture.start(LivePushServer.builder().connectionRate(1, 1)
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()));
    try (RawSseClient c = open("/m/1")) {
      assertThat(c.response.statusCode()).isEqualTo(200);
      // One token per second: of the next few immediate attempts at least one finds the bucket empty.
      boolean refused = false;
      for (int i = 0; i < 5 && !refused; i++) {
        HttpResponse<String> r = get("/m/2");
        if (r.statusCode() == 503) {
          refused = true;
          assertThat(r.headers().firstValue("retry-after")).isPresent();
        }
      }
      assertThat(refused).isTrue();
    }
    assertThat(fixture.server().stats().refusals().get("admission-rate")).isPositive();
  }

  @Test
  void slowLorisGets408AndIsClosed() throws Exception {
    fixture.start(LivePushServer.builder().requestHeaderTimeout(Duration.ofMillis(300))
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()));
    try (Socket s = new Socket("127.0.0.1", fixture.server().port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write("GET /m/1 HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String answer = readToEnd(s.getInputStream());
      assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout\r\n").contains("Connection: close");
    }
    // A client that sends its head in time is served, and its stream outlives the deadline.
    try (RawSseClient c = open("/m/1")) {
      c.awaitAnyId();
      assertThat(c.endedLatch.await(600, TimeUnit.MILLISECONDS)).isFalse();
    }
    assertThat(fixture.server().stats().refusals()).containsEntry("request-header-timeout", 1L);
  }

  @Test
  void oversizedHeadersStill431() throws Exception {
    fixture.start(LivePushServer.builder().maxHeaderBytes(1024)
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()));
    assertThat(get("/m/1", "X-Big", "v".repeat(2000)).statusCode()).isEqualTo(431);
  }

  @Test
  void requestInfoNeverPrintsTheQuery() throws Exception {
    BlockingQueue<RequestInfo> seen = new LinkedBlockingQueue<>();
    fixture.start(LivePushServer.builder().authenticator(req -> {
      seen.add(req);
      return AuthResult.allow(Principal.ANONYMOUS);
    }).transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()));
    try (RawSseClient c = open("/m/1?ticket=secret-value")) {
      c.awaitAnyId();
    }
    RequestInfo info = seen.poll(10, TimeUnit.SECONDS);
    assertThat(info.queryParameters()).containsKey("ticket");
    assertThat(info.toString()).isEqualTo("GET /m/1").doesNotContain("secret-value");
  }

  @Test
  void statsServiceServesJson() throws Exception {
    fixture.start(LivePushServer.builder().statsService("/stats")
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()));
    try (RawSseClient c = open("/m/1")) {
      c.awaitAnyId();
      fixture.server().publish("m:1", io.livepush.Event.text("hello"));
      assertThat(c.next().data()).isEqualTo("hello");
      HttpResponse<String> r = get("/stats");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).contains("application/json");
      assertThat(r.body()).contains("\"connections\":1", "\"sse\":1", "\"published\":1", "\"delivered\":1",
          "\"too-old\":0", "\"drop_with_reset\":0");
      assertThat(fixture.server().stats().connectionsByTransport()).containsEntry("sse", 1);
      assertThat(fixture.server().stats().subscriptions()).isEqualTo(1);
      assertThat(fixture.server().stats().bytesWritten()).isPositive();
    }
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(fixture.uri("/stats"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  private void awaitConnections(int n) throws InterruptedException {
    Await.until(n + " connections (a gauge the server updates on close)", Duration.ofSeconds(10),
        () -> fixture.server().connectionCount() == n);
  }

  static String readToEnd(InputStream in) throws java.io.IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toString(StandardCharsets.UTF_8);
  }
}
