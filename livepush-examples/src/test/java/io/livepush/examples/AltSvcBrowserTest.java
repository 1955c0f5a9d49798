package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.AuthResult;
import io.livepush.Authenticator;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.LivePushServer;
import io.livepush.Principal;
import io.livepush.sse.SseTransport;
import io.livepush.testing.WebTransportCertificate;
import io.livepush.webtransport.WebTransportTransport;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code Alt-Svc} in a real browser (issue 16): headless Chromium loads the page over HTTPS (TLS on TCP, one
 * self-signed ECDSA certificate for TCP and QUIC, trusted by its key), sees {@code Alt-Svc: h3=":port"; ma=86400}
 * on it, and every later request of the page (20 fetches, an EventSource) is answered, over HTTP/3 or over TCP:
 * advertising never breaks a page. It does not assert that those went over HTTP/3: Chromium 156 tries the
 * advertised listener but refuses a self-signed certificate in the QUIC handshake of an Alt-Svc alternative even
 * when {@code --ignore-certificate-errors-spki-list} names it (its net-log: {@code CERTIFICATE_VERIFY_FAILED}, then
 * the alternative is marked broken), so only a publicly trusted certificate gets a browser onto HTTP/3 through
 * Alt-Svc. A second Chromium with {@code --origin-to-force-quic-on} (QUIC for the origin without Alt-Svc, where the
 * same certificate passes) then loads the page, a fetch and an EventSource over HTTP/3: Resource Timing says
 * {@code h3}, and the server sees the EventSource's request arrive on an HTTP/3 stream (Netty's conversion names it
 * in {@code x-http3-stream-id}). Runs {@code src/test/js/alt-svc.mjs}
 * ({@code NETLOG=<file>} in the environment writes Chromium's net-log); needs Node 20+ and Chromium,
 * {@code -Dlivepush.browserTests=skip} skips it.
 */
class AltSvcBrowserTest {
  private final ObjectMapper mapper = new ObjectMapper();
  private final BrowserHarness harness = new BrowserHarness();

  @AfterEach
  void stop() throws Exception {
    harness.close();
  }

  @Test
  void chromiumSeesAltSvcAndThePageKeepsWorking() throws Exception {
    BrowserHarness.assumeBrowserTests();
    List<String> streamRequests = new CopyOnWriteArrayList<>();
    // One ECDSA P-256 certificate for 127.0.0.1 (13 days) on TCP and QUIC
    WebTransportCertificate cert = WebTransportCertificate.generate();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("k", cert.key(), new char[0], new X509Certificate[] {cert.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    String spki = Base64.getEncoder().encodeToString(
        MessageDigest.getInstance("SHA-256").digest(cert.certificate().getPublicKey().getEncoded()));
    LivePushServer server = harness.closeLater(LivePushServer.builder().tls(kmf)
        .host("127.0.0.1")
        .port(0)
        .shutdownDrain(Duration.ZERO)
        .authenticator(Authenticator.nonBlocking(r -> {
          String h3 = r.header("x-http3-stream-id");
          streamRequests.add(r.path() + (h3 != null ? " h3" : " tcp"));
          return AuthResult.allow(Principal.ANONYMOUS);
        }))
        .transport(SseTransport.builder().route("/live/{id}", "match:{id}").build())
        .transport(WebTransportTransport.builder().path("/wt")
            .certificate(cert.key(), cert.certificate()).build())
        .httpService(BrowserHarness.page("/", "Alt-Svc"))
        .httpService(HttpService.nonBlocking((request, body) -> request.path().equals("/probe")
            ? HttpReply.text(200, request.header("x-http3-stream-id") != null ? "h3" : "tcp") : null))
        .build());
    server.start().join();

    JsonNode out = NodeScript.run(mapper, Duration.ofSeconds(90), List.of(), "alt-svc.mjs",
        "https://127.0.0.1:" + server.port() + "/", spki);

    assertThat(out.path("error").isMissingNode()).as("script error: %s", out.path("error")).isTrue();
    assertThat(out.get("altSvc").asText()).isEqualTo("h3=\":" + server.port() + "\"; ma=86400");
    assertThat(out.get("navigation").asText()).isIn("h2", "http/1.1");
    // Every fetch and the EventSource answered: advertising h3 never breaks the page, whichever way Chromium goes.
    JsonNode probes = out.get("probes");
    assertThat(probes).hasSize(20);
    probes.forEach(p -> assertThat(p.asText()).as("probes %s", probes).matches("h3/h3|h2/tcp"));
    assertThat(out.get("sse").asText()).as("the EventSource's first event id").isNotIn("error", "timed out");
    assertThat(streamRequests).first().asString().startsWith("/live/1 ");

    // With QUIC forced for the origin, the same certificate passes: the page, a fetch and an EventSource over HTTP/3
    JsonNode forced = out.get("forced");
    assertThat(forced.path("error").isMissingNode()).as("forced: %s", forced).isTrue();
    assertThat(forced.get("navigation").asText()).isEqualTo("h3");
    assertThat(forced.get("fetched").asText()).isEqualTo("h3/h3");
    assertThat(forced.get("sse").asText()).isNotIn("error", "timed out");
    assertThat(streamRequests).containsExactly(streamRequests.get(0), "/live/2 h3");
  }
}
