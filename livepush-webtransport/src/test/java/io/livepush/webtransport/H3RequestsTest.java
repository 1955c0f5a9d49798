package io.livepush.webtransport;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.AuthResult;
import io.livepush.Authenticator;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.LivePushServer;
import io.livepush.Principal;
import io.livepush.RequestInfo;
import io.livepush.fixtures.LiveServer;
import io.livepush.fixtures.TestCertificate;
import io.livepush.longpoll.LongPollTransport;
import io.livepush.sse.SseTransport;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Ordinary HTTP/3 requests on the WebTransport listener (RFC 9114 §4.1), sent by Netty's HTTP/3 client: each goes
 * to the core's router like an HTTP/2 stream — the application's service, SSE and long-polling, with resume by
 * {@code Last-Event-ID} across HTTP/3 and HTTP/1.1 — and the TCP listener's responses advertise it with
 * {@code Alt-Svc}.
 */
class H3RequestsTest {
  @RegisterExtension final LiveServer live = new LiveServer();
  @RegisterExtension final TestCertificate tcpCert = new TestCertificate();
  private LivePushServer server;
  private WtTestClient client;
  private final List<RequestInfo> served = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();


  private void start(WebTransportTransport.Builder wt, Authenticator auth) throws Exception {
    start(wt, auth, false);
  }

  /** With {@code tls}, the TCP listener serves https (h2 by ALPN) with {@link #tcpCert}. */
  private void start(WebTransportTransport.Builder wt, Authenticator auth, boolean tls) throws Exception {
    LivePushServer.Builder b = LivePushServer.builder()
        .maxRequestBytes(1024)
        .httpService(HttpService.nonBlocking((request, body) -> {
          if (!request.path().equals("/page")) {
            return null;
          }
          served.add(request);
          return HttpReply.text(200, "page " + request.method() + " " + body.length);
        }))
        .transport(SseTransport.builder().route("/live/{id}", "match:{id}").build())
        .transport(LongPollTransport.builder().path("/poll").timeout(Duration.ofSeconds(5)).build())
        .transport(WtServers.transport(wt));
    if (auth != null) {
      b.authenticator(auth);
    }
    if (tls) {
      tcpCert.serve(b);
    }
    server = live.start(b);
    client = WtServers.client(live, server);
  }

  private void start() throws Exception {
    start(WebTransportTransport.builder(), null);
  }

  @Test
  void aServiceAnswersOverHttp3WithTheClientsUdpAddress() throws Exception {
    start();
    WtTestClient.Exchange get = client.request("GET", "/page?x=1", null);
    assertThat(get.status()).isEqualTo(200);
    assertThat(get.fullBody()).isEqualTo("page GET 0");
    WtTestClient.Exchange post = client.request("POST", "/page", new byte[100], "content-type", "text/plain");
    assertThat(post.status()).isEqualTo(200);
    assertThat(post.fullBody()).isEqualTo("page POST 100");
    assertThat(served).hasSize(2);
    InetSocketAddress local = (InetSocketAddress) client.quic.localSocketAddress();
    assertThat(served.get(0).remoteAddress()).isInstanceOf(InetSocketAddress.class);
    assertThat(((InetSocketAddress) served.get(0).remoteAddress()).getPort()).isEqualTo(local.getPort());
    assertThat(served.get(0).header("x-http3-stream-id")).isNotNull();
    // no route: the router's 404, as on TCP
    assertThat(client.request("GET", "/nothing", null).status()).isEqualTo(404);
  }

  @Test
  void sseOverHttp3ResumesOnHttp1AndBack() throws Exception {
    start();
    WtTestClient.Exchange sse = client.request("GET", "/live/1", null, "accept", "text/event-stream");
    assertThat(sse.status()).isEqualTo(200);
    assertThat(sse.header("content-type")).startsWith("text/event-stream");
    sse.awaitBody("retry:"); // written once the session follows the topic
    EventId first = server.publish("match:1", Event.text("one"));
    EventId second = server.publish("match:1", Event.text("two"));
    sse.awaitBody("id: " + second);
    assertThat(sse.body.toString()).contains("id: " + first + "\ndata: one\n\n")
        .contains("id: " + second + "\ndata: two\n\n");
    sse.stream.close().sync();

    // HTTP/1.1 resumes after the first: gets the second, then live
    HttpResponse<java.io.InputStream> h1 = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + "/live/1"))
        .header("Last-Event-ID", first.toString()).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(h1.statusCode()).isEqualTo(200);
    EventId third;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(h1.body(), StandardCharsets.UTF_8))) {
      assertThat(readUntil(r, "data: two")).contains("id: " + second).doesNotContain("data: one");
      third = server.publish("match:1", Event.text("three"));
      assertThat(readUntil(r, "data: three")).contains("id: " + third);
    }

    // and HTTP/3 resumes after the HTTP/1.1 stream's last id
    EventId fourth = server.publish("match:1", Event.text("four"));
    WtTestClient.Exchange again = client.request("GET", "/live/1", null, "last-event-id", third.toString());
    assertThat(again.status()).isEqualTo(200);
    String body = again.awaitBody("id: " + fourth);
    assertThat(body).doesNotContain("data: three").contains("data: four");
  }

  @Test
  void longPollOverHttp3() throws Exception {
    start();
    EventId first = server.publish("match:2", Event.text("a"));
    EventId second = server.publish("match:2", Event.text("b"));
    WtTestClient.Exchange poll = client.request("GET", "/poll?topic=match:2&lastEventId=" + first, null);
    assertThat(poll.status()).isEqualTo(200);
    String batch = poll.fullBody();
    assertThat(batch).contains("\"id\":\"" + second + "\"").contains("\"data\":\"b\"").doesNotContain("\"data\":\"a\"");
    // a held poll answered by a publish
    WtTestClient.Exchange held = client.request("GET", "/poll?topic=match:2&lastEventId=" + second, null);
    // held or not yet: either way it resumes after the second, so the third is its answer
    EventId third = server.publish("match:2", Event.text("c"));
    assertThat(held.status()).isEqualTo(200);
    assertThat(held.fullBody()).contains("\"id\":\"" + third + "\"");
  }

  @Test
  void streamsPassTheAuthenticator() throws Exception {
    start(WebTransportTransport.builder(), Authenticator.nonBlocking(r -> "letmein".equals(r.header("x-key"))
        ? AuthResult.allow(Principal.ANONYMOUS) : AuthResult.unauthorized("nope")));
    assertThat(client.request("GET", "/live/3", null).status()).isEqualTo(401);
    WtTestClient.Exchange ok = client.request("GET", "/live/3", null, "x-key", "letmein");
    assertThat(ok.status()).isEqualTo(200);
    ok.awaitBody("retry:");
  }

  @Test
  void tcpResponsesAdvertiseTheListener() throws Exception {
    start(WebTransportTransport.builder(), null, true);
    String expected = "h3=\":" + server.port() + "\"; ma=86400";
    for (String path : new String[] {"/page", "/nothing"}) {
      HttpResponse<String> r = https(HttpClient.Version.HTTP_1_1, path);
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
      assertThat(r.headers().allValues("alt-svc")).as(path).containsExactly(expected);
    }
    // HTTP/2 (ALPN h2) too
    HttpResponse<String> h2 = https(HttpClient.Version.HTTP_2, "/page");
    assertThat(h2.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(h2.headers().allValues("alt-svc")).containsExactly(expected);
  }

  @Test
  void advertisingCanBeTunedOrTurnedOff() throws Exception {
    start(WebTransportTransport.builder().altSvcMaxAge(Duration.ofSeconds(60)), null, true);
    assertThat(https(HttpClient.Version.HTTP_1_1, "/page").headers().allValues("alt-svc"))
        .containsExactly("h3=\":" + server.port() + "\"; ma=60");
    client.close();
    server.close();
    start(WebTransportTransport.builder().altSvc(false), null, true);
    assertThat(https(HttpClient.Version.HTTP_1_1, "/page").headers().firstValue("alt-svc")).isEmpty();
    // the listener still serves HTTP/3
    assertThat(client.request("GET", "/page", null).status()).isEqualTo(200);
  }

  /**
   * h3 serves https origins only (RFC 9114 §3.1): a plain-TCP server's origin is http:// (browsers ignore the
   * field) or a TLS-terminating proxy's, whose host and port {@code h3=":port"} would misname. No advertisement;
   * the listener still serves HTTP/3.
   */
  @Test
  void plainTcpDoesNotAdvertise() throws Exception {
    start();
    for (HttpClient.Version v : HttpClient.Version.values()) {
      HttpResponse<String> r = HttpClient.newBuilder().version(v).build().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + server.port() + "/page")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("alt-svc")).as(v.toString()).isEmpty();
    }
    assertThat(client.request("GET", "/page", null).status()).isEqualTo(200);
  }

  private HttpResponse<String> https(HttpClient.Version version, String path) throws Exception {
    return HttpClient.newBuilder().version(version).sslContext(tcpCert.trustingContext()).build()
        .send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + path)).build(),
            HttpResponse.BodyHandlers.ofString());
  }

  /** Reads lines up to and including the first that starts with {@code prefix}; returns them joined. */
  private static String readUntil(BufferedReader r, String prefix) throws Exception {
    StringBuilder b = new StringBuilder();
    for (String line = r.readLine(); line != null; line = r.readLine()) {
      b.append(line).append('\n');
      if (line.startsWith(prefix)) {
        return b.toString();
      }
    }
    throw new AssertionError("stream ended before " + prefix + ": " + b);
  }
}
