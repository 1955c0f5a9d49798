package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.fixtures.TestCertificate;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * h2 over TLS, negotiated by ALPN (RFC 7301), with the JDK client trusting a self-signed certificate; the server's
 * context offers {@code h2} then {@code http/1.1}.
 */
class Http2TlsTest {
  @RegisterExtension final TestCertificate cert = new TestCertificate();
  private LivePushServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private HttpClient client(HttpClient.Version version) throws Exception {
    return HttpClient.newBuilder().version(version).connectTimeout(Duration.ofSeconds(5))
        .sslContext(cert.trustingContext()).build();
  }

  private LivePushServer start(boolean http2) throws Exception {
    server = build(http2);
    server.start().join();
    return server;
  }

  private LivePushServer build(boolean http2) throws Exception {
    return cert.serve(LivePushServer.builder()) // PEM files: livepush offers h2 by ALPN itself
        .host("127.0.0.1").port(0).ioThreads(1).http2(http2)
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()).build();
  }

  /** tls(Path, Path) reads the files once: the h2 context built at start needs them no more (tlsSelfSigned). */
  @Test
  void theKeyFilesAreReadOnceSoDeletingThemBeforeStartKeepsH2Working() throws Exception {
    server = build(true);
    HttpClient h2 = client(HttpClient.Version.HTTP_2);
    cert.get().delete();
    server.start().join();
    try (RawSseClient c = RawSseClient.open(h2,
        URI.create("https://localhost:" + server.port() + "/m/1"), null)) {
      assertThat(c.response.version()).isEqualTo(HttpClient.Version.HTTP_2);
      c.awaitAnyId();
    }
  }

  @Test
  void alpnNegotiatesH2AndManyStreamsShareTheConnectionWithLiveEvents() throws Exception {
    start(true);
    HttpClient h2 = client(HttpClient.Version.HTTP_2);
    List<RawSseClient> streams = new ArrayList<>();
    try {
      for (int i = 0; i < 12; i++) {
        RawSseClient c = RawSseClient.open(h2, URI.create("https://localhost:" + server.port() + "/m/" + i), null);
        assertThat(c.response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        c.awaitAnyId();
        streams.add(c);
      }
      for (int i = 0; i < 12; i++) {
        server.publish("m:" + i, Event.text("live " + i));
      }
      for (int i = 0; i < 12; i++) {
        assertThat(streams.get(i).events.poll(10, TimeUnit.SECONDS).data()).isEqualTo("live " + i);
      }
    } finally {
      for (RawSseClient c : streams) {
        c.close();
      }
    }
  }

  @Test
  void withHttp2OffTheJdkClientGetsHttp11OverTls() throws Exception {
    start(false); // ALPN offers http/1.1 only: no client can agree on h2 with a server speaking HTTP/1.1
    try (RawSseClient c = RawSseClient.open(client(HttpClient.Version.HTTP_2),
        URI.create("https://localhost:" + server.port() + "/m/1"), null)) {
      assertThat(c.response.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
      c.awaitAnyId();
      server.publish("m:1", Event.text("over http/1.1"));
      assertThat(c.events.poll(10, TimeUnit.SECONDS).data()).isEqualTo("over http/1.1");
    }
  }
}
