package io.livepush.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepush.Event;
import io.livepush.HttpReply;
import io.livepush.LivePushServer;
import io.livepush.longpoll.LongPollTransport;
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
  private static volatile long clockSkew;

  private static LivePushServer server() {
    LivePushServer s = LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(1)
        .transport(SseTransport.builder().multiTopicPath("/events").build())
        .transport(WebSocketTransport.builder().build())
        .transport(LongPollTransport.builder().path(LongPoller.PATH).timeout(Duration.ofMillis(300)).build())
        .httpService((request, body) -> request.path().equals("/bench/clock")
            ? HttpReply.text(200, Long.toString(System.nanoTime() + clockSkew)) : null)
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
  void h2StreamsShareConnectionsReceiveEveryEventAndResume() throws Exception {
    try (LivePushServer s = server();
        LoadGen g = new LoadGen(new InetSocketAddress("127.0.0.1", s.port()), 1, List.of("127.0.0.2"))) {
      g.streamsPerConnection(4);
      String from = s.publish("bench", Event.rawJson(Payload.json(0, 0, 64))).toString();
      g.open(LoadGen.Kind.H2, "bench", null, 10, 3, 10_000); // 10 streams on 3 connections (4 + 4 + 2)
      assertThat(g.established.get()).isEqualTo(10);
      assertThat(s.connectionCount()).isEqualTo(10); // one session per stream
      assertThat(g.h2Connections.get()).isEqualTo(3);
      g.recording = true;
      for (int i = 1; i <= 5; i++) {
        s.publish("bench", Event.rawJson(Payload.json(i, System.nanoTime(), 64)));
      }
      awaitEvents(g, 50);
      g.expectCaughtUp(2, 5);
      g.open(LoadGen.Kind.H2, "bench", from, 2, 2, 10_000); // resume: the 5 events again on 2 more streams
      awaitEvents(g, 60);
      Await.until("both resumed streams caught up", Duration.ofSeconds(10), () -> g.caughtUp.get() == 2);
      assertThat(g.events.sum()).isEqualTo(60);
      assertThat(g.latency.getIntervalHistogram().getTotalCount()).isEqualTo(60);
      assertThat(g.failed.get()).isZero();
      assertThat(g.closed.get()).isZero();
    }
  }

  @Test
  void longPollsAreHeldAndPollAgainWhenTheTimeoutAnswers() throws Exception {
    try (LivePushServer s = server();
        LoadGen g = new LoadGen(new InetSocketAddress("127.0.0.1", s.port()), 1, List.of())) {
      g.open(LoadGen.Kind.LONGPOLL, "bench", null, 5, 5, 10_000);
      // The server's 300 ms timeout answers each poll with no events; each subscriber polls again from there.
      Await.until("every poll answered by the timeout twice", Duration.ofSeconds(20), () -> g.repolls.sum() >= 10);
      Await.until("5 polls held", Duration.ofSeconds(10), () -> s.connectionCount() == 5);
      g.expectCaughtUp(5, 3);
      for (int i = 1; i <= 3; i++) {
        s.publish("bench", Event.rawJson(Payload.json(i, System.nanoTime(), 64)));
      }
      awaitEvents(g, 15); // every event once per subscriber, across answers and polls
      Await.until("every subscriber saw event 3", Duration.ofSeconds(10), () -> g.caughtUp.get() == 5);
      assertThat(g.events.sum()).isEqualTo(15);
      assertThat(g.failed.get()).isZero();
      assertThat(g.closed.get()).isZero();
    }
  }

  @Test
  void clockCheckAcceptsTheSameBaseAndRefusesAnother() {
    try (LivePushServer s = server()) {
      String target = "127.0.0.1:" + s.port();
      clockSkew = 0;
      ClockCheck.Result same = ClockCheck.require(target, "same", 5);
      assertThat(Math.abs(same.offsetNanos())).isLessThanOrEqualTo(same.boundNanos() + 5_000_000L);
      clockSkew = 1_000_000_000L; // a server whose stamps are 1 s ahead
      assertThatThrownBy(() -> ClockCheck.require(target, "skewed", 5))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("clock check failed for skewed");
    } finally {
      clockSkew = 0;
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
