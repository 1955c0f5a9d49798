package io.livepush.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.sse.SseTransport;
import io.livepush.testing.Await;
import io.livepush.websocket.WebSocketTransport;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator against a real server on real sockets: handshakes, parsing, latency, resume. Fast (< 2 s). */
class LoadGenTest {

  private static LivePushServer server() {
    LivePushServer s = LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(1)
        .transport(SseTransport.builder().multiTopicPath("/events").build())
        .transport(WebSocketTransport.builder().build())
        .build();
    s.start().join();
    return s;
  }

  private static void awaitEvents(LoadGen g, long n) throws InterruptedException {
    Await.until(n + " events (a counter the event loop increments)", Duration.ofSeconds(10),
        () -> g.events.sum() >= n);
  }

  @Test
  void sseAndWebSocketClientsReceiveEveryEventAndRecordLatency() throws Exception {
    try (LivePushServer s = server();
        LoadGen g = new LoadGen(new InetSocketAddress("127.0.0.1", s.port()), 1, List.of("127.0.0.2"))) {
      g.open(LoadGen.Kind.SSE, "bench", null, 20, 7, 10_000);
      g.open(LoadGen.Kind.WS, "bench", null, 20, 7, 10_000);
      assertThat(g.established.get()).isEqualTo(40);
      assertThat(s.connectionCount()).isEqualTo(40);
      g.recording = true;
      for (int i = 1; i <= 5; i++) {
        s.publish("bench", Event.rawJson(Payload.json(i, System.nanoTime(), 64)));
      }
      awaitEvents(g, 200);
      assertThat(g.events.sum()).isEqualTo(200);
      Histogram h = g.latency.getIntervalHistogram();
      assertThat(h.getTotalCount()).isEqualTo(200);
      assertThat(h.getMaxValue()).isPositive().isLessThan(TimeUnit.SECONDS.toNanos(10));
      assertThat(g.closed.get()).isZero();
      assertThat(g.failed.get()).isZero();
    }
  }

  @Test
  void resumingClientsCatchUpOnBothTransports() throws Exception {
    try (LivePushServer s = server();
        LoadGen g = new LoadGen(new InetSocketAddress("127.0.0.1", s.port()), 1, List.of())) {
      String from = s.publish("bench", Event.rawJson(Payload.json(0, 0, 64))).toString();
      for (int i = 1; i <= 50; i++) {
        s.publish("bench", Event.rawJson(Payload.json(i, System.nanoTime(), 64)));
      }
      g.expectCaughtUp(10, 50);
      g.open(LoadGen.Kind.SSE, "bench", from, 5, 10, 10_000);
      g.open(LoadGen.Kind.WS, "bench", from, 5, 10, 10_000);
      awaitEvents(g, 500);
      assertThat(g.events.sum()).isEqualTo(500); // 50 replayed events x 10 clients, none twice
      assertThat(g.caughtUp.get()).isEqualTo(10);
      assertThat(g.allCaughtUpAt).isNotZero();
    }
  }

  @Test
  void refusedHandshakeCountsAsFailed() throws Exception {
    try (LivePushServer s = server();
        LoadGen g = new LoadGen(new InetSocketAddress("127.0.0.1", s.port()), 1, List.of())) {
      g.open(LoadGen.Kind.SSE, "bad topic!", null, 1, 1, 10_000); // 400: invalid topic
      assertThat(g.failed.get()).isEqualTo(1);
      assertThat(g.established.get()).isZero();
    }
  }

  @Test
  void clientFramesAreMaskedWithAZeroKey() {
    byte[] f = LoadGen.wsFrame(1, "hi");
    assertThat(f).containsExactly(0x81, 0x82, 0, 0, 0, 0, 'h', 'i');
  }

  @Test
  void plotWritesAPng(@TempDir Path dir) throws Exception {
    Histogram h = new Histogram(3);
    for (int i = 1; i <= 1000; i++) {
      h.recordValue(i * 100_000L);
    }
    Path out = dir.resolve("p.png");
    Plot.write(out, "t", List.of("a"), List.of(h));
    assertThat(ImageIO.read(Files.newInputStream(out)).getWidth()).isEqualTo(900);
  }
}
