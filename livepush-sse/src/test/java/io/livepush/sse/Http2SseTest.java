package io.livepush.sse;

import io.livepush.testing.RawH2;
import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.CloseReason;
import io.livepush.ConnectionInfo;
import io.livepush.ConnectionListener;
import io.livepush.Event;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.LivePushServer;
import io.livepush.testing.RawH2.Frame;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** SSE and HTTP services over cleartext HTTP/2 (h2c), on real sockets. */
class Http2SseTest {
  private final HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final BlockingQueue<CloseReason> closes = new LinkedBlockingQueue<>();
  private LivePushServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private LivePushServer.Builder builder() {
    return LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(1)
        .connectionListener(ConnectionListener.nonBlocking(new ConnectionListener() {
          @Override
          public void onClose(ConnectionInfo c, CloseReason reason) {
            closes.add(reason);
          }
        }))
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  @Test
  void jdkClientUpgradesToH2cAndReadsLiveEventsThenResumesWithLastEventId() throws Exception {
    server = builder().httpService(HttpService.nonBlocking((req, body) ->
        req.path().equals("/hello") ? HttpReply.text(200, "hi " + req.header("host")) : null)).build();
    server.start().join();
    // The JDK client asks for h2c with Upgrade on its first request (it has no prior-knowledge mode).
    HttpResponse<String> hello = h2.send(HttpRequest.newBuilder(uri("/hello")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(hello.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(hello.body()).isEqualTo("hi 127.0.0.1:" + server.port());
    String lastId;
    try (RawSseClient c = RawSseClient.open(h2, uri("/m/1"), null)) {
      assertThat(c.response.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(c.response.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
      c.awaitAnyId();
      server.publish("m:1", Event.text("one"));
      server.publish("m:1", Event.text("two"));
      assertThat(c.events.poll(10, TimeUnit.SECONDS).data()).isEqualTo("one");
      RawSseClient.Received two = c.events.poll(10, TimeUnit.SECONDS);
      assertThat(two.data()).isEqualTo("two");
      lastId = server.publish("m:1", Event.text("three")).toString();
      assertThat(c.events.poll(10, TimeUnit.SECONDS).lastEventId()).isEqualTo(lastId);
      lastId = two.lastEventId();
    }
    server.publish("m:1", Event.text("four"));
    try (RawSseClient c = RawSseClient.open(h2, uri("/m/1"), lastId)) {
      assertThat(c.response.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(c.events.poll(10, TimeUnit.SECONDS).data()).isEqualTo("three");
      assertThat(c.events.poll(10, TimeUnit.SECONDS).data()).isEqualTo("four");
    }
  }

  @Test
  void twelveStreamsOnOnePriorKnowledgeConnectionAllReceiveLiveEvents() throws Exception {
    server = builder().build();
    server.start().join();
    try (RawH2 c = RawH2.connect(server.port(), true)) {
      for (int i = 0; i < 12; i++) {
        c.get(1 + 2 * i, "/m/" + i);
      }
      for (int i = 0; i < 12; i++) {
        c.awaitText(1 + 2 * i, "event: livepush.position");
      }
      for (int i = 0; i < 12; i++) {
        server.publish("m:" + i, Event.text("live " + i));
      }
      for (int i = 0; i < 12; i++) {
        c.awaitText(1 + 2 * i, "data: live " + i + "\n\n");
        assertThat(c.text.get(1 + 2 * i).toString()).doesNotContain("live " + ((i + 1) % 12) + "\n");
      }
      assertThat(server.stats().connections()).isEqualTo(12);
    }
  }

  @Test
  void aStreamWhoseWindowIsNeverReplenishedMeetsTheSlowConsumerPolicyWhileItsNeighbourReceivesEverything()
      throws Exception {
    server = builder().maxPendingOutboundBytes(32 * 1024).build();
    server.start().join();
    String big = "x".repeat(8_000);
    try (RawH2 c = RawH2.connect(server.port(), true)) {
      c.windowUpdate(0, 64 << 20); // the connection window is not what stalls stream 1
      c.replenished.add(3);        // stream 3 is read and gets its window back; stream 1 never does
      c.get(1, "/m/1");
      c.get(3, "/m/1");
      c.awaitText(1, "event: livepush.position");
      c.awaitText(3, "event: livepush.position");
      Frame reset = null;
      int published = 0;
      // Each event is awaited on stream 3 before the next, so stream 3 never falls behind; stream 1 holds
      // 64 KiB (its window) on the wire and then the budget in the server until the policy closes it.
      while (reset == null && published < 200) {
        String id = server.publish("m:1", Event.text(published + big)).toString();
        published++;
        while (!c.text.get(3).toString().contains("id: " + id + "\n")) {
          Frame f = c.read();
          assertThat(f).isNotNull();
          if (f.type() == RawH2.RST_STREAM && f.stream() == 1) {
            reset = f;
          }
        }
      }
      assertThat(reset).as("stream 1 reset after %d events", published).isNotNull();
      assertThat(reset.errorCode()).isEqualTo(0x8); // CANCEL (RFC 9113 §7)
      assertThat(closes.poll(10, TimeUnit.SECONDS)).isEqualTo(CloseReason.SLOW_CONSUMER);
      String last = server.publish("m:1", Event.text("after")).toString();
      c.awaitText(3, "id: " + last + "\n");
      long received = c.text.get(3).toString().lines().filter(l -> l.startsWith("data: ")).count();
      assertThat(received).as("stream 3 got every event").isEqualTo(published + 2); // + position, + "after"
      assertThat(server.stats().connections()).isEqualTo(1);
    }
  }

  /**
   * The per-connection bound (docs/protocol.md): a connection's outbound bytes are at most
   * {@code http2MaxConcurrentStreams} × {@code maxPendingOutboundBytes}, because every stream meets the slow-consumer
   * policy at its own budget. Here one connection holds the most streams it may (8), the client returns no flow-control
   * credit at all (the connection window, 64 KiB, is the only one used), and every stream is reset as a slow
   * consumer; the connection itself goes on serving.
   */
  @Test
  void oneConnectionWithManySlowStreamsHasEachCutAtItsBudget() throws Exception {
    int streams = 8;
    server = builder().maxPendingOutboundBytes(32 * 1024).http2MaxConcurrentStreams(streams).build();
    server.start().join();
    String big = "x".repeat(8_000);
    try (RawH2 c = RawH2.connect(server.port(), true)) {
      for (int i = 0; i < streams; i++) {
        c.get(1 + 2 * i, "/m/1");
      }
      for (int i = 0; i < streams; i++) {
        c.awaitText(1 + 2 * i, "event: livepush.position");
      }
      // Every publish adds 8 KB to each stream; the streams stop draining once 64 KiB went out in all.
      int published = 0;
      while (server.stats().slowConsumerDisconnects() < streams && published < 5000) { // a bound, not a figure
        server.publish("m:1", Event.text(published + big));
        published++;
      }
      java.util.Set<Integer> reset = new java.util.HashSet<>();
      while (reset.size() < streams) {
        Frame f = c.await(x -> x.type() == RawH2.RST_STREAM);
        assertThat(f.errorCode()).isEqualTo(0x8); // CANCEL
        reset.add(f.stream());
      }
      for (int i = 0; i < streams; i++) {
        assertThat(closes.poll(10, TimeUnit.SECONDS)).isEqualTo(CloseReason.SLOW_CONSUMER);
      }
      // each stream was cut at its budget, so the server held at most streams × budget for this connection
      c.windowUpdate(0, 1 << 20); // the connection serves a new stream once the client reads again
      c.get(1 + 2 * streams, "/m/2");
      c.awaitText(1 + 2 * streams, "event: livepush.position");
    }
  }

  /**
   * A one-off stream that completes while its client opens no flow-control window at all
   * ({@code SETTINGS_INITIAL_WINDOW_SIZE} 0): the session is over, its last bytes can never leave, and the stream is
   * reset once they made no progress for the stall bound, instead of holding its slot for ever.
   */
  @Test
  void aCompletedOneOffStreamWhoseClientOpensNoWindowIsResetAfterTheStallBound() throws Exception {
    server = LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(1)
        .heartbeatInterval(Duration.ofSeconds(1)).heartbeatTimeout(Duration.ofSeconds(1))
        .transport(SseTransport.builder().stream("GET", "/ask", req -> StreamResponse.accept(e -> {
          e.send("token", "one");
          e.complete();
        })).build())
        .build();
    server.start().join();
    try (RawH2 c = RawH2.connect(server.port(), false)) {
      c.raw(RawH2.PREFACE);
      c.frame(RawH2.SETTINGS, 0, 0, new byte[] {0, 4, 0, 0, 0, 0}); // SETTINGS_INITIAL_WINDOW_SIZE = 0
      c.get(1, "/ask");
      Frame head = c.await(f -> f.type() == RawH2.HEADERS && f.stream() == 1);
      assertThat(head.headers().status().toString()).isEqualTo("200");
      Frame end = c.await(f -> f.stream() == 1 && (f.type() == RawH2.RST_STREAM || f.type() == RawH2.DATA));
      assertThat(end.type()).as("no DATA can be sent without a window").isEqualTo(RawH2.RST_STREAM);
      assertThat(end.errorCode()).isEqualTo(0x8); // CANCEL
      io.livepush.testing.Await.until("the slot given back", Duration.ofSeconds(10),
          () -> server.stats().connections() == 0);
    }
  }

  @Test
  void stopEndsEveryStreamWithTheGoodbyeThenSendsGoAway() throws Exception {
    server = builder().shutdownDrain(Duration.ofMillis(200)).build();
    server.start().join();
    try (RawH2 c = RawH2.connect(server.port(), true)) {
      c.get(1, "/m/1");
      c.get(3, "/m/2");
      c.awaitText(1, "event: livepush.position");
      c.awaitText(3, "event: livepush.position");
      server.publish("m:1", Event.text("before stop"));
      c.awaitText(1, "data: before stop\n\n");
      java.util.concurrent.CompletableFuture<Void> stopped = server.stop();
      java.util.Set<Integer> ended = new java.util.HashSet<>();
      Frame goAway = c.await(f -> {
        if (f.type() == RawH2.DATA && f.endStream()) {
          ended.add(f.stream());
        }
        assertThat(f.type()).as("no stream is reset").isNotEqualTo(RawH2.RST_STREAM);
        return f.type() == RawH2.GOAWAY;
      });
      assertThat(ended).as("END_STREAM before GOAWAY").containsExactlyInAnyOrder(1, 3);
      assertThat(goAway.errorCode()).isZero(); // NO_ERROR
      for (int stream : new int[] {1, 3}) {
        List<String> retries = c.text.get(stream).toString().lines().filter(l -> l.startsWith("retry:")).toList();
        assertThat(retries).as("the greeting and the goodbye").hasSize(2);
      }
      assertThat(c.awaitClosed()).isTrue();
      stopped.get(20, TimeUnit.SECONDS);
      assertThat(closes).containsOnly(CloseReason.SERVER_STOPPING).hasSize(2);
    }
  }

  @Test
  void curlWithPriorKnowledgeReadsTheStream() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(curlHasHttp2(), "curl with HTTP/2 on the PATH");
    server = builder().build();
    server.start().join();
    Process p = new ProcessBuilder("curl", "-sN", "-D", "-", "--http2-prior-knowledge", "--max-time", "20",
        uri("/m/1").toString()).redirectErrorStream(true).start();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      List<String> lines = new ArrayList<>();
      for (String l; (l = r.readLine()) != null; ) {
        l = l.stripTrailing(); // the header dump ends its lines with CRLF
        lines.add(l);
        if (l.equals("event: livepush.position")) {
          server.publish("m:1", Event.text("over curl"));
        }
        if (l.equals("data: over curl")) {
          break;
        }
      }
      assertThat(lines.get(0)).isEqualTo("HTTP/2 200");
      assertThat(lines).contains("content-type: text/event-stream; charset=utf-8", "data: over curl");
    } finally {
      p.destroy();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static boolean curlHasHttp2() {
    try {
      Process p = new ProcessBuilder("curl", "--version").redirectErrorStream(true).start();
      String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return p.waitFor(10, TimeUnit.SECONDS) && v.contains("HTTP2");
    } catch (Exception e) {
      return false;
    }
  }
}
