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
 * the JDK's own {@code java.net.http} client, which trusts the self-signed certificate and nothing else; ALPN
 * (RFC 7301) gives {@code h2} with HTTP/2 on (the default), {@code http/1.1} with it off.
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
    // HTTP_2: over TLS the client offers h2 and http/1.1 by ALPN; the server's h2 is picked for the stream.
    HttpClient https = HttpClient.newBuilder().sslContext(clientContext).version(HttpClient.Version.HTTP_2)
        .connectTimeout(Duration.ofSeconds(5)).build();
    sseReceivesAnEvent(https, HttpClient.Version.HTTP_2);
    wssReceivesAnEvent(https);
  }

  @Test
  void keyManagerFactoryServesSseAndNegotiatesByAlpn() throws Exception {
    start(LivePushServer.builder().tls(keys));
    HttpClient https = HttpClient.newBuilder().sslContext(clientContext).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    sseReceivesAnEvent(https, HttpClient.Version.HTTP_1_1);
    wssReceivesAnEvent(https);
    assertThat(alpn()).isEqualTo("h2");
    server.close();
    start(LivePushServer.builder().tls(keys).http2(false));
    assertThat(alpn()).isEqualTo("http/1.1");
  }

  /** The protocol a client offering {@code h2, http/1.1} gets. */
  private String alpn() throws Exception {
    try (SSLSocket s = (SSLSocket) clientContext.getSocketFactory().createSocket("localhost", server.port())) {
      SSLParameters p = s.getSSLParameters();
      p.setApplicationProtocols(new String[] {"h2", "http/1.1"});
      s.setSSLParameters(p);
      s.startHandshake();
      return s.getApplicationProtocol();
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

  @Test
  void refusesAKeyThatDoesNotFitItsCertificateAtBuildTime() throws Exception {
    // Neither engine checks it when the context is built; without a test handshake every client would fail
    // (internal_error / bad signature) and the server would log nothing.
    SelfSignedCertificate other = new SelfSignedCertificate("localhost");
    try {
      assertThatThrownBy(() -> LivePushServer.builder().tls(cert.certificate().toPath(), other.privateKey().toPath()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("tls: ")
          .hasMessageContaining("does the private key fit");
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      char[] password = "test".toCharArray();
      ks.setKeyEntry("server", other.key(), password, new java.security.cert.Certificate[] {cert.cert()});
      KeyManagerFactory mismatched = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      mismatched.init(ks, password);
      assertThatThrownBy(() -> LivePushServer.builder().tls(mismatched))
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("tls: key manager")
          .hasMessageContaining("does the private key fit");
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(mismatched.getKeyManagers(), null, null);
      assertThatThrownBy(() -> LivePushServer.builder().tls(context))
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("tls: SSLContext")
          .hasMessageContaining("does the private key fit");
    } finally {
      other.delete();
    }
  }

  private void sseReceivesAnEvent(HttpClient https, HttpClient.Version expected) throws Exception {
    HttpResponse<InputStream> r = https.send(HttpRequest.newBuilder(
            URI.create("https://localhost:" + server.port() + "/m/1")).header("Accept", "text/event-stream").build(),
        HttpResponse.BodyHandlers.ofInputStream());
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.version()).isEqualTo(expected);
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
