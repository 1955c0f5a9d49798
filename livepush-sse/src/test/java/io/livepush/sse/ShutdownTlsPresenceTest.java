package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepush.AuthResult;
import io.livepush.CloseReason;
import io.livepush.ConnectionInfo;
import io.livepush.ConnectionListener;
import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.Presence;
import io.livepush.Principal;
import io.livepush.fixtures.TestCertificate;
import io.livepush.sse.RawSseClient.Received;
import io.livepush.testing.Await;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Graceful shutdown, TLS and presence, on real sockets. */
class ShutdownTlsPresenceTest {
  // HTTP/1.1: one connection per stream, as browsers have; HTTP/2 shutdown is Http2SseTest's
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  @RegisterExtension final TestCertificate cert = new TestCertificate();
  private LivePushServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private URI uri(String scheme, String path) {
    return URI.create(scheme + "://localhost:" + server.port() + path);
  }

  @Test
  void shutdownFinishesEventsSendsJitteredRetryAndSpreadsClosesOverTheDrainWindow() throws Exception {
    BlockingQueue<Long> closedAt = new LinkedBlockingQueue<>();
    BlockingQueue<CloseReason> reasons = new LinkedBlockingQueue<>();
    server = LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(1)
        .shutdownDrain(Duration.ofMillis(800)).shutdownBatchSize(1)
        // On the event loop: the timestamps are the closes themselves, not a later executor run.
        .connectionListener(ConnectionListener.nonBlocking(new ConnectionListener() {
          @Override
          public void onClose(ConnectionInfo c, CloseReason reason) {
            closedAt.add(System.nanoTime());
            reasons.add(reason);
          }
        }))
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()).build();
    server.start().join();
    List<RawSseClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        RawSseClient c = RawSseClient.open(http, uri("http", "/m/1"), null);
        c.awaitAnyId();
        clients.add(c);
      }
      String big = "x".repeat(200_000); // several TCP segments: a cut would be visible
      for (int i = 0; i < 5; i++) {
        server.publish("m:1", Event.text(i + big));
      }
      server.stop().get(20, TimeUnit.SECONDS);
      for (RawSseClient c : clients) {
        assertThat(c.endedLatch.await(10, TimeUnit.SECONDS)).isTrue();
        List<Received> got = new ArrayList<>();
        c.events.drainTo(got);
        assertThat(got).hasSize(5).allSatisfy(r -> assertThat(r.data()).hasSize(200_001));
        List<String> retries = c.rawLines.stream().filter(l -> l.startsWith("retry:")).toList();
        assertThat(retries).hasSize(2); // the greeting and the goodbye
        long goodbye = Long.parseLong(retries.get(1).substring(6).trim());
        assertThat(goodbye).isBetween(3000L, 9000L);
        List<String> nonEmpty = c.rawLines.stream().filter(l -> !l.isEmpty()).toList();
        assertThat(nonEmpty.get(nonEmpty.size() - 1)).as("the goodbye is the last thing").startsWith("retry:");
      }
      assertThat(reasons).hasSize(4).containsOnly(CloseReason.SERVER_STOPPING);
      List<Long> times = new ArrayList<>(closedAt);
      // Four batches over 800 ms: the last starts 600 ms after the first (a lower bound; slowness only adds).
      assertThat(TimeUnit.NANOSECONDS.toMillis(times.get(3) - times.get(0))).isGreaterThanOrEqualTo(500);
    } finally {
      for (RawSseClient c : clients) {
        c.close();
      }
    }
  }

  @Test
  void servesHttpsFromPemFilesToAClientTrustingTheCertificate() throws Exception {
    server = cert.serve(LivePushServer.builder()).host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()).build();
    server.start().join();
    if (io.netty.handler.ssl.OpenSsl.isAvailable()) { // netty-tcnative-boringssl-static is a test dependency
      assertThat(server.config().tlsProvider()).isEqualTo("OpenSSL");
    }
    HttpClient https = HttpClient.newBuilder().sslContext(cert.trustingContext())
        .connectTimeout(Duration.ofSeconds(5)).build();
    try (RawSseClient c = RawSseClient.open(https, uri("https", "/m/1"), null)) {
      assertThat(c.response.statusCode()).isEqualTo(200);
      c.awaitAnyId();
      server.publish("m:1", Event.text("over tls"));
      assertThat(c.next().data()).isEqualTo("over tls");
    }
    // A plain-HTTP request to the TLS port is not answered as HTTP.
    java.util.concurrent.CompletableFuture<HttpResponse<String>> plain = http.sendAsync(
        HttpRequest.newBuilder(uri("http", "/m/1")).timeout(Duration.ofSeconds(1)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(plain).failsWithin(Duration.ofSeconds(10));
  }

  @Test
  void refusesPemFilesWhoseKeyDoesNotFitTheCertificate() throws Exception {
    // OpenSSL (a test dependency here) builds such a context and then fails every handshake with internal_error.
    SelfSignedCertificate other = new SelfSignedCertificate("localhost");
    try {
      assertThatThrownBy(() -> LivePushServer.builder().tls(cert.get().certificate().toPath(),
          other.privateKey().toPath()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does the private key fit");
    } finally {
      other.delete();
    }
  }

  @Test
  void selfSignedOptionWorksOnThisJdk() {
    server = LivePushServer.builder().host("127.0.0.1").port(0).tlsSelfSigned()
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()).build();
    assertThat(server.config().tls()).isTrue();
    assertThat(server.config().tlsProvider()).isIn("OpenSSL", "JDK");
  }

  @Test
  void presenceListsMembersAnnouncesJoinAndLeaveAndDoesNotFlapWithinGrace() throws Exception {
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .authenticator(req -> {
          List<String> user = req.queryParameters().get("user");
          return user == null ? AuthResult.allow(Principal.ANONYMOUS) : AuthResult.allow(Principal.of(user.get(0)));
        })
        .presence(topic -> topic.startsWith("room:"))
        .presenceGrace(Duration.ofSeconds(2))
        .presenceMetadata(p -> Map.of("display", p.name().toUpperCase()))
        .transport(SseTransport.builder().multiTopicPath("/events").build()).build();
    server.start().join();
    try (RawSseClient watcher = RawSseClient.open(http, uri("http", "/events?topic=room:1~presence"), null)) {
      watcher.awaitAnyId();
      RawSseClient bob = RawSseClient.open(http, uri("http", "/events?topic=room:1&user=bob"), null);
      bob.awaitAnyId();
      Received join = watcher.next();
      assertThat(join.type()).isEqualTo(Presence.JOIN_TYPE);
      assertThat(join.data()).isEqualTo(
          "{\"topic\":\"room:1\",\"member\":\"bob\",\"metadata\":{\"display\":\"BOB\"},\"count\":1}");
      assertThat(server.presence().count("room:1")).isEqualTo(1);
      assertThat(server.presence().members("room:1"))
          .containsExactly(new Presence.Member("bob", Map.of("display", "BOB"), 1));
      assertThat(server.presence().count("room:1~presence")).as("companion topics are not tracked").isZero();

      // Bob drops and comes back within the grace period: no leave, no second join.
      bob.close();
      awaitMemberConnections("bob", 0);
      try (RawSseClient bobAgain = RawSseClient.open(http, uri("http", "/events?topic=room:1&user=bob"), null)) {
        bobAgain.awaitAnyId();
        awaitMemberConnections("bob", 1);
      }
      Received leave = watcher.next(); // after the grace period
      assertThat(leave.type()).isEqualTo(Presence.LEAVE_TYPE);
      assertThat(leave.data()).contains("\"member\":\"bob\"", "\"count\":0");
      assertThat(server.presence().members("room:1")).isEmpty();
      assertThat(watcher.events).isEmpty();
    }
  }

  private void awaitMemberConnections(String name, int connections) throws InterruptedException {
    Await.until(name + " with " + connections + " connection(s) in room:1", Duration.ofSeconds(10),
        () -> server.presence().members("room:1").stream()
            .anyMatch(m -> m.name().equals(name) && m.connections() == connections));
  }

}
