package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.CloseReason;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.fixtures.Budget;
import io.livepush.fixtures.LiveServer;
import io.livepush.spi.Session;
import io.livepush.testing.Heap;
import io.livepush.testing.PacedSseReader;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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

  @RegisterExtension final LiveServer fixture = new LiveServer();
  private LivePushServer server;

  private void start() {
    server = fixture.start(LiveServer.withBudget(LivePushServer.builder(), BUDGET)
        .transport(SseTransport.builder().multiTopicPath("/events").build()));
  }

  private void retain(int perTopic) {
    for (int i = 0; i < perTopic; i++) {
      for (int t = 0; t < TOPICS; t++) {
        server.publish("t" + t, Event.text(i + ":" + "x".repeat(EVENT_BYTES)));
      }
    }
  }

  private static String allTopics() {
    return "/events?topic=" + String.join(",", Budget.topics("t", TOPICS));
  }

  private String fromStart() {
    return "Last-Event-ID: " + EventId.of(server.epoch(), 0);
  }

  @Test
  void replayToAClientThatNeverReadsStaysWithinBudgetAndIsClosed() throws Exception {
    start();
    retain(100); // 6.4 MB retained: more than the kernel buffers (about 4 MB) and 100 times the budget
    long heapBefore = Heap.usedAfterGc();
    fixture.closeAfter(PacedSseReader.open(server.port(), "GET", allTopics(), new byte[0], 0, fromStart()));
    Session s = fixture.nextSession();
    assertThat(fixture.closeOf(s.id()).get(90, TimeUnit.SECONDS)).isEqualTo(CloseReason.SLOW_CONSUMER);
    Budget.assertFilledAndBounded("SSE replay", s, BUDGET, SLACK);
    Budget.assertHeapNearBaseline(heapBefore);
  }

  @Test
  void aSlowReaderGetsEveryReplayedAndLiveEventInOffsetOrder() throws Exception {
    start();
    retain(20); // 1.3 MB: the replay pauses about forty times
    PacedSseReader slow = fixture.closeAfter(PacedSseReader.open(server.port(), "GET", allTopics(), new byte[0],
        2 * 1024 * 1024, fromStart()));
    Session s = fixture.nextSession();
    // Live events while the replay is still being read: they must come after it, in offset order, once each.
    int live = 300;
    for (int i = 0; i < live; i++) {
      server.publish("t" + (i % TOPICS), Event.text("live " + i));
    }
    int expected = 20 * TOPICS + live;
    // Only the published events (the stream's position block may carry data of its own).
    List<PacedSseReader.Received> got = slow.awaitEvents(e -> e.size() >= expected + 1, 120).stream()
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
