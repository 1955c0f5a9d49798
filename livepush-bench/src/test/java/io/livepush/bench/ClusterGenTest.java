package io.livepush.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.sse.SseTransport;
import io.livepush.testing.Await;
import io.livepush.websocket.WebSocketTransport;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The multi-generator run's pieces: shares, exactly-once accounting, the shared schedule, histogram text. */
class ClusterGenTest {
  private static final List<String> SIX = List.of("n0:1", "n1:1", "n2:1", "n3:1", "n4:1", "n5:1");

  /** Every node gets conns / nodes (remainder to the first ones), split over the generators without overlap. */
  @Test
  void sharesCoverEveryConnectionOnceWhateverTheGeneratorCount() {
    for (int gens : new int[] {1, 2, 4, 6, 7, 12}) {
      for (int conns : new int[] {0, 5, 3000, 100_000, 100_003}) {
        Map<String, Integer> perNode = new HashMap<>();
        for (int g = 0; g < gens; g++) {
          ClusterGen.share(SIX, conns, gens, g).forEach((n, c) -> perNode.merge(n, c, Integer::sum));
        }
        for (int i = 0; i < SIX.size(); i++) {
          int expected = conns / 6 + (i < conns % 6 ? 1 : 0);
          assertThat(perNode.getOrDefault(SIX.get(i), 0)).as("node %d, %d gens, %d conns", i, gens, conns)
              .isEqualTo(expected);
        }
      }
    }
    assertThat(ClusterGen.share(SIX, 100_000, 6, 2)).containsExactly(Map.entry("n2:1", 16_667));
    assertThat(ClusterGen.share(SIX, 3000, 2, 1)).containsOnlyKeys("n1:1", "n3:1", "n5:1");
    assertThat(ClusterGen.share(List.of("wt:1"), 10_000, 2, 1)).containsExactly(Map.entry("wt:1", 5000));
    assertThatThrownBy(() -> ClusterGen.share(SIX, 10, 2, 2)).isInstanceOf(IllegalArgumentException.class);
  }

  /** A share over the bound is refused, naming the bound in force (--max-per-gen), not the default. */
  @Test
  void aShareOverTheBoundNamesTheBoundInForce() {
    ClusterGen.checkShare(0, 5000, 5000);
    assertThatThrownBy(() -> ClusterGen.checkShare(3, 5001, 5000)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("generator 3: 5001 connections (expected: <= 5000 per process (--max-per-gen); raise the "
            + "generator count)");
    assertThatThrownBy(() -> ClusterGen.checkShare(1, 19_001, ClusterGen.MAX_PER_PROCESS))
        .hasMessageContaining("<= 19000 per process, the open-file limit;");
  }

  @Test
  void tallyCountsLostDuplicatedReorderedAndUnexpectedNumbers() {
    Tally t = new Tally();
    Tally.Subscriber a = t.new Subscriber();
    Tally.Subscriber b = t.new Subscriber();
    assertThat(a.seq(7)).as("nothing expected yet: measured, not counted").isTrue();
    t.expect(5, 1);
    t.awaitComplete(1);
    assertThat(a.seq(1)).as("warm-up: counted, not measured").isFalse();
    assertThat(a.seq(2)).isTrue();
    assertThat(a.seq(2)).as("duplicate").isFalse();
    a.seq(4);
    a.seq(3); // after 4: reordered, still counted once
    a.seq(9); // outside 1..5
    assertThat(t.distinct.sum()).isEqualTo(4);
    assertThat(t.duplicates.sum()).isEqualTo(1);
    assertThat(t.reordered.sum()).isEqualTo(1);
    assertThat(t.unexpected.sum()).isEqualTo(1);
    assertThat(t.lost(1)).isEqualTo(1);
    assertThat(t.allCompleteAt).isZero();
    a.seq(5);
    assertThat(t.complete.get()).isEqualTo(1);
    assertThat(t.allCompleteAt).isNotZero();
    b.seq(5);
    assertThat(t.lost(2)).as("b saw one of five").isEqualTo(4);
    assertThatThrownBy(() -> t.expect(3, 3)).isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * Two publishers share one schedule (stride 2), as two cluster nodes do; SSE and WebSocket subscribers of a real
   * server each count every number once, and only the events after the warm-up are measured.
   */
  @Test
  void subscribersCountASharedScheduleExactlyOnce() throws Exception {
    EventLoopGroup group = LoadGen.newGroup(1);
    try (LivePushServer s = LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(1)
        .transport(SseTransport.builder().multiTopicPath("/events").build())
        .transport(WebSocketTransport.builder().build()).build()) {
      s.start().join();
      LoadGen g = new LoadGen(new InetSocketAddress("127.0.0.1", s.port()), group, List.of("127.0.0.3"));
      g.tally.expect(6, 2);
      g.open(LoadGen.Kind.SSE, "bench", null, 5, 5, 10_000);
      g.open(LoadGen.Kind.WS, "bench", null, 5, 5, 10_000);
      g.tally.awaitComplete(10);
      g.recording = true;
      long start = System.nanoTime() + 10_000_000L;
      List<Long> published = java.util.Collections.synchronizedList(new ArrayList<>());
      List<Thread> publishers = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        long first = i;
        Thread t = new Thread(() -> OpenLoop.run(start, 5_000_000L, first, 2, 6, (k, intended) -> {
          published.add(k);
          s.publish("bench", Event.rawJson(Payload.json(k + 1, intended, 64)));
        }));
        t.start();
        publishers.add(t);
      }
      for (Thread t : publishers) {
        t.join(10_000);
      }
      assertThat(published).containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L);
      Await.until("every subscriber has events 1..6", Duration.ofSeconds(10), () -> g.tally.allCompleteAt != 0);
      assertThat(g.tally.distinct.sum()).isEqualTo(60);
      assertThat(g.tally.duplicates.sum() + g.tally.unexpected.sum()).isZero();
      assertThat(g.tally.lost(10)).isZero();
      assertThat(g.latency.getIntervalHistogram().getTotalCount()).as("events 3..6 measured").isEqualTo(40);
      g.close();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  @Test
  void histogramsSurviveTheirTextForm() {
    Histogram h = new Histogram(3);
    for (int i = 1; i <= 100; i++) {
      h.recordValue(i * 1_000_000L);
    }
    Histogram back = HistogramText.decode(HistogramText.encode(h) + "\n");
    assertThat(back.getTotalCount()).isEqualTo(100);
    assertThat(back.getValueAtPercentile(99)).isEqualTo(h.getValueAtPercentile(99));
    assertThatThrownBy(() -> HistogramText.decode("AAAA")).isInstanceOf(RuntimeException.class);
  }
}
