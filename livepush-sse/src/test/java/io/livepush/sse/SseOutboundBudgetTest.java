package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.CloseReason;
import io.livepush.ConnectionInfo;
import io.livepush.ConnectionListener;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.spi.Session;
import io.livepush.testing.Heap;
import io.livepush.testing.PacedSseReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 10.1 for SSE: a replay is written within the connection's outbound budget, stops reading the log while
 * the client does not read and goes on when it drains; a client that never reads is closed by the stall bound.
 */
class SseOutboundBudgetTest {
  static final int BUDGET = 64 * 1024;
  static final int TOPICS = 64;
  static final int EVENT_BYTES = 1000;
  /** One event (payload plus its id/data lines) and one small frame. */
  static final int SLACK = 2 * 1024 + 512;

  private LivePushServer server;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final BlockingQueue<Session> sessions = new LinkedBlockingQueue<>();
  private final Map<Long, CompletableFuture<CloseReason>> closes = new ConcurrentHashMap<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private CompletableFuture<CloseReason> closed(long id) {
    return closes.computeIfAbsent(id, k -> new CompletableFuture<>());
  }

  private void start() {
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .maxPendingOutboundBytes(BUDGET)
        .heartbeatInterval(Duration.ofSeconds(1)).heartbeatTimeout(Duration.ofSeconds(1))
        .connectionListener(new ConnectionListener() {
          @Override
          public void onOpen(ConnectionInfo c) {
            sessions.add((Session) c);
          }

          @Override
          public void onClose(ConnectionInfo c, CloseReason reason) {
            closed(c.id()).complete(reason);
          }
        })
        .transport(SseTransport.builder().multiTopicPath("/events").build())
        .build();
    server.start().join();
  }

  private void retain(int perTopic) {
    for (int i = 0; i < perTopic; i++) {
      for (int t = 0; t < TOPICS; t++) {
        server.publish("t" + t, Event.text(i + ":" + "x".repeat(EVENT_BYTES)));
      }
    }
  }

  private static String allTopics() {
    StringBuilder sb = new StringBuilder("/events?topic=");
    for (int t = 0; t < TOPICS; t++) {
      sb.append(t == 0 ? "" : ",").append('t').append(t);
    }
    return sb.toString();
  }

  private String fromStart() {
    return "Last-Event-ID: " + EventId.of(server.epoch(), 0);
  }

  @Test
  void replayToAClientThatNeverReadsStaysWithinBudgetAndIsClosed() throws Exception {
    start();
    retain(100); // 6.4 MB retained: more than the kernel buffers (about 4 MB) and 100 times the budget
    long heapBefore = Heap.usedAfterGc();
    PacedSseReader never = PacedSseReader.open(server.port(), "GET", allTopics(), new byte[0], 0, fromStart());
    closeables.add(never);
    Session s = sessions.poll(10, TimeUnit.SECONDS);
    assertThat(closed(s.id()).get(90, TimeUnit.SECONDS)).isEqualTo(CloseReason.SLOW_CONSUMER);
    long peak = s.peakPendingOutboundBytes();
    System.out.printf("SSE replay: peak pending %d bytes (budget %d)%n", peak, BUDGET);
    assertThat(peak).isBetween((long) BUDGET / 2, (long) BUDGET + SLACK);
    long growth = Heap.usedAfterGc() - heapBefore;
    assertThat(growth).as("heap after GC near its baseline").isLessThan(32L * 1024 * 1024);
  }

  @Test
  void aSlowReaderGetsEveryReplayedAndLiveEventInOffsetOrder() throws Exception {
    start();
    retain(20); // 1.3 MB: the replay pauses about forty times
    PacedSseReader slow = PacedSseReader.open(server.port(), "GET", allTopics(), new byte[0], 2 * 1024 * 1024,
        fromStart());
    closeables.add(slow);
    Session s = sessions.poll(10, TimeUnit.SECONDS);
    // Live events while the replay is still being read: they must come after it, in offset order, once each.
    int live = 300;
    for (int i = 0; i < live; i++) {
      server.publish("t" + (i % TOPICS), Event.text("live " + i));
    }
    int expected = 20 * TOPICS + live;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (slow.events().size() < expected + 1 && System.nanoTime() < deadline && !slow.awaitEnd(0)) {
      TimeUnit.MILLISECONDS.sleep(20); // polls the reader's progress (a condition), bounded by the deadline
    }
    // Only the published events (the stream's position block may carry data of its own).
    List<PacedSseReader.Received> got = slow.events().stream()
        .filter(r -> r.data().startsWith("live ") || Character.isDigit(r.data().charAt(0))).toList();
    assertThat(got).hasSize(expected);
    long last = -1;
    Set<String> ids = new HashSet<>();
    for (PacedSseReader.Received r : got) {
      long offset = EventId.parse(r.lastEventId()).offset();
      assertThat(offset).as("offset order").isGreaterThan(last);
      last = offset;
      assertThat(ids.add(r.lastEventId())).isTrue();
    }
    assertThat(got.get(got.size() - 1).data()).isEqualTo("live " + (live - 1));
    assertThat(s.peakPendingOutboundBytes()).isLessThanOrEqualTo(BUDGET + SLACK);
    assertThat(s.isClosed()).isFalse();
  }
}
