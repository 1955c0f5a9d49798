package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.sse.SseTransport;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS configured with JDK types only ({@link SSLContext}, {@link KeyManagerFactory}): https (SSE) and wss served to
 * the JDK's own {@code java.net.http} client, which trusts the self-signed certificate and nothing else, and
 * {@code http/1.1} negotiated by ALPN (RFC 7301) with a client that offers {@code h2} first.
 */
class TlsJdkTypesTest {
  private static SelfSignedCertificate cert;
  private static KeyManagerFactory keys;
  private static SSLContext clientContext;
  private LivePushServer server;

  @BeforeAll
  static void keyMaterial() throws Exception {
    cert = new SelfSignedCertificate("localhost");
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    char[] password = "test".toCharArray();
    ks.setKeyEntry("server", cert.key(), password, new java.security.cert.Certificate[] {cert.cert()});
    keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(ks, password);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", cert.cert());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, tmf.getTrustManagers(), null);
  }

  @AfterAll
  static void deleteFiles() {
    cert.delete();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private void start(LivePushServer.Builder tls) {
    server = tls.host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build())
        .transport(WebSocketTransport.builder().build())
        .build();
    server.start().join();
  }

  @Test
  void jdkSslContextServesSseAndWebSocketToTheJdkClient() throws Exception {
    SSLContext serverContext = SSLContext.getInstance("TLS");
    serverContext.init(keys.getKeyManagers(), null, null);
    start(LivePushServer.builder().tls(serverContext));
    assertThat(server.config().tlsProvider()).isEqualTo("JDK");
    // HTTP_2 is the client's default: over TLS it offers h2 and http/1.1 by ALPN and must end up on HTTP/1.1.
    HttpClient https = HttpClient.newBuilder().sslContext(clientContext).version(HttpClient.Version.HTTP_2)
        .connectTimeout(Duration.ofSeconds(5)).build();
    sseReceivesAnEvent(https);
    wssReceivesAnEvent(https);
  }

  @Test
  void keyManagerFactoryServesSseAndNegotiatesHttp11ByAlpn() throws Exception {
    start(LivePushServer.builder().tls(keys));
    HttpClient https = HttpClient.newBuilder().sslContext(clientContext).connectTimeout(Duration.ofSeconds(5))
        .build();
    sseReceivesAnEvent(https);
    wssReceivesAnEvent(https);
    try (SSLSocket s = (SSLSocket) clientContext.getSocketFactory().createSocket("localhost", server.port())) {
      SSLParameters p = s.getSSLParameters();
      p.setApplicationProtocols(new String[] {"h2", "http/1.1"});
      s.setSSLParameters(p);
      s.startHandshake();
      assertThat(s.getApplicationProtocol()).isEqualTo("http/1.1");
    }
  }

  @Test
  void refusesUnusableJdkKeyMaterialAtBuildTime() throws Exception {
    SSLContext uninitialised = SSLContext.getInstance("TLS");
    assertThatThrownBy(() -> LivePushServer.builder().tls(uninitialised))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("tls: SSLContext");
    KeyManagerFactory empty = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    KeyStore none = KeyStore.getInstance("PKCS12");
    none.load(null, null);
    empty.init(none, new char[0]);
    assertThatThrownBy(() -> LivePushServer.builder().tls(empty))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("tls: key manager");
  }

  private void sseReceivesAnEvent(HttpClient https) throws Exception {
    HttpResponse<InputStream> r = https.send(HttpRequest.newBuilder(
            URI.create("https://localhost:" + server.port() + "/m/1")).header("Accept", "text/event-stream").build(),
        HttpResponse.BodyHandlers.ofInputStream());
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
      String line;
      while ((line = in.readLine()) != null && !line.startsWith("id:")) { // the position event: subscribed
        continue;
      }
      server.publish("m:1", Event.text("over https"));
      while ((line = in.readLine()) != null && !line.startsWith("data: over https")) {
        continue;
      }
      assertThat(line).isEqualTo("data: over https");
    }
  }

  private void wssReceivesAnEvent(HttpClient https) throws Exception {
    JdkClient c = new JdkClient();
    c.ws = https.newWebSocketBuilder().subprotocols("livepush.v1")
        .buildAsync(URI.create("wss://localhost:" + server.port() + "/ws"), c).get(10, TimeUnit.SECONDS);
    try {
      c.send("{\"type\":\"subscribe\",\"topics\":[\"w\"]}");
      assertThat(c.next()).contains("\"type\":\"subscribed\"");
      server.publish("w", Event.text("over wss"));
      assertThat(c.next()).contains("\"data\":\"over wss\"");
    } finally {
      c.ws.abort();
    }
  }
}
