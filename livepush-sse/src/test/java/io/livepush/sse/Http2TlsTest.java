package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepush.Event;
import io.livepush.LivePushServer;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * h2 over TLS, negotiated by ALPN (RFC 7301), with the JDK client trusting a self-signed certificate; the server's
 * context offers {@code h2} then {@code http/1.1}.
 */
class Http2TlsTest {
  private LivePushServer server;
  private SelfSignedCertificate cert;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (cert != null) {
      cert.delete();
    }
  }

  private HttpClient client(HttpClient.Version version) throws Exception {
    return HttpClient.newBuilder().version(version).connectTimeout(Duration.ofSeconds(5))
        .sslContext(ShutdownTlsPresenceTest.trusting(cert.certificate())).build();
  }

  private LivePushServer start(boolean http2) throws Exception {
    cert = new SelfSignedCertificate("localhost");
    server = LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(1).http2(http2)
        .tls(h2Context())
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()).build();
    server.start().join();
    return server;
  }

  private SslContext h2Context() throws Exception {
    return SslContextBuilder.forServer(cert.certificate(), cert.privateKey())
        .applicationProtocolConfig(new ApplicationProtocolConfig(Protocol.ALPN,
            SelectorFailureBehavior.NO_ADVERTISE, SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
        .build();
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
  void withHttp2OffAContextOfferingH2IsRefusedAtBuild() throws Exception {
    cert = new SelfSignedCertificate("localhost");
    LivePushServer.Builder b = LivePushServer.builder().http2(false).tls(h2Context())
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build());
    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("offers h2");
  }
}
