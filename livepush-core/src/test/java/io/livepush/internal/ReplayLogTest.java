package io.livepush.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.ReplayConfig;
import io.livepush.ResetReason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReplayLogTest {
  private final AtomicLong now = new AtomicLong();

  private ReplayLog log(ReplayConfig config) {
    return new ReplayLog(config, 7, 1, now::get);
  }

  private static LogEntry append(ReplayLog log, String topic, String data) {
    log.lock();
    try {
      return log.append(topic, null, Event.Kind.TEXT, data.getBytes(StandardCharsets.UTF_8),
          e -> new byte[][] {e.payload()});
    } finally {
      log.unlock();
    }
  }

  private static ReplayLog.Resume resume(ReplayLog log, String topic, EventId from) {
    log.lock();
    try {
      return log.resume(log.topicOrCreate(topic), from);
    } finally {
      log.unlock();
    }
  }

  @Test
  void assignsOneIncreasingSequenceAcrossTopics() {
    ReplayLog log = log(ReplayConfig.defaults());
    assertThat(append(log, "a", "1").offset).isEqualTo(1);
    assertThat(append(log, "b", "2").offset).isEqualTo(2);
    assertThat(append(log, "a", "3").id).isEqualTo(EventId.of(7, 3));
  }

  @Test
  void replaysExactlyTheEventsAfterAPosition() {
    ReplayLog log = log(ReplayConfig.defaults());
    append(log, "a", "1");
    append(log, "b", "2");
    append(log, "a", "3");
    append(log, "a", "4");
    ReplayLog.Resume r = resume(log, "a", EventId.of(7, 1));
    assertThat(r.reset).isNull();
    assertThat(r.events).extracting(e -> e.offset).containsExactly(3L, 4L);
    assertThat(resume(log, "a", EventId.of(7, 4)).events).isEmpty();
    assertThat(resume(log, "b", EventId.of(7, 0)).events).extracting(e -> e.offset).containsExactly(2L);
  }

  @Test
  void saysWhyItCannotResume() {
    ReplayLog log = log(ReplayConfig.builder().maxEventsPerTopic(2).build());
    for (int i = 0; i < 5; i++) {
      append(log, "a", "x");
    }
    assertThat(resume(log, "a", EventId.of(8, 1)).reset).isEqualTo(ResetReason.EPOCH_CHANGED);
    assertThat(resume(log, "a", EventId.of(7, 99)).reset).isEqualTo(ResetReason.UNKNOWN_POSITION);
    assertThat(resume(log, "a", EventId.of(7, 2)).reset).isEqualTo(ResetReason.TOO_OLD);
    assertThat(resume(log, "a", EventId.of(7, 3)).events).extracting(e -> e.offset).containsExactly(4L, 5L);
  }

  @Test
  void aTopicRecreatedAfterBeingForgottenOnlyVouchesForWhatFollows() {
    ReplayLog log = log(ReplayConfig.builder().maxAge(Duration.ofSeconds(1)).build());
    append(log, "c", "1");
    append(log, "a", "2");
    // Never forgotten: a topic first seen now has had no events, so any position resumes it.
    assertThat(resume(log, "b", EventId.of(7, 0)).reset).isNull();
    now.addAndGet(Duration.ofSeconds(2).toNanos());
    log.expire(); // "b" and "c" are idle and empty: forgotten at head 2
    append(log, "a", "3");
    assertThat(resume(log, "c", EventId.of(7, 1)).reset).isEqualTo(ResetReason.TOO_OLD);
    assertThat(resume(log, "c", EventId.of(7, 2)).reset).isNull();
  }

  @Test
  void boundsBytesPerTopicAndInTotal() {
    ReplayLog log = log(ReplayConfig.builder().maxBytesPerTopic(1000).maxTotalBytes(1500).build());
    for (int i = 0; i < 20; i++) {
      append(log, i % 2 == 0 ? "a" : "b", "x".repeat(100));
    }
    log.lock();
    try {
      assertThat(log.totalBytes()).isLessThanOrEqualTo(1500);
      assertThat(log.topic("a").bytes).isLessThanOrEqualTo(1000);
      assertThat(log.topic("a").entries).isNotEmpty();
    } finally {
      log.unlock();
    }
  }

  @Test
  void maxEventsZeroKeepsNothing() {
    ReplayLog log = log(ReplayConfig.builder().maxEventsPerTopic(0).build());
    append(log, "a", "1");
    assertThat(resume(log, "a", EventId.of(7, 0)).reset).isEqualTo(ResetReason.TOO_OLD);
    assertThat(resume(log, "a", EventId.of(7, 1)).events).isEmpty();
  }

  @Test
  void expiresByAgeAndForgetsIdleTopics() {
    ReplayLog log = log(ReplayConfig.builder().maxAge(Duration.ofSeconds(10)).build());
    append(log, "a", "1");
    now.addAndGet(Duration.ofSeconds(5).toNanos());
    append(log, "a", "2");
    now.addAndGet(Duration.ofSeconds(6).toNanos());
    log.expire();
    assertThat(resume(log, "a", EventId.of(7, 0)).reset).isEqualTo(ResetReason.TOO_OLD);
    assertThat(resume(log, "a", EventId.of(7, 1)).events).extracting(e -> e.offset).containsExactly(2L);
    now.addAndGet(Duration.ofSeconds(30).toNanos());
    log.expire();
    log.lock();
    try {
      assertThat(log.topicCount()).isZero();
    } finally {
      log.unlock();
    }
  }

  @Test
  void fifoOfDroppedEntriesIsCompacted() {
    ReplayLog log = log(ReplayConfig.builder().maxEventsPerTopic(1).build());
    for (int i = 0; i < 10_000; i++) {
      append(log, "hot", "x");
    }
    log.lock();
    try {
      assertThat(log.topic("hot").entries).hasSize(1);
      assertThat(log.fifoSize()).isLessThanOrEqualTo(66);
      assertThat(log.totalBytes()).isEqualTo(log.topic("hot").bytes);
    } finally {
      log.unlock();
    }
  }

  private static EventId positionAt(ReplayLog log, String topic, long atNanos) {
    log.lock();
    try {
      return log.positionAt(topic, atNanos);
    } finally {
      log.unlock();
    }
  }

  @Test
  void aTimeResolvesToThePositionBeforeTheFirstEventAtOrAfterItPerTopic() {
    ReplayLog log = log(ReplayConfig.builder().maxEventsPerTopic(2).build());
    now.set(100);
    append(log, "a", "1"); // offset 1 at 100
    now.set(200);
    append(log, "b", "2"); // offset 2 at 200
    append(log, "a", "3"); // offset 3 at 200
    now.set(300);
    assertThat(positionAt(log, "a", 150)).isEqualTo(EventId.of(7, 2)); // before offset 3
    assertThat(positionAt(log, "a", 100)).isEqualTo(EventId.of(7, 0)); // before offset 1
    assertThat(positionAt(log, "b", 150)).isEqualTo(EventId.of(7, 1)); // before offset 2
    assertThat(positionAt(log, "a", 250)).isEqualTo(EventId.of(7, 3)); // nothing that recent: the head
    assertThat(positionAt(log, "new", 50)).isEqualTo(EventId.of(7, 3)); // a topic never seen lost nothing
    append(log, "a", "4"); // offset 4 at 300: a keeps 2, so offset 1 (published at 100) leaves the log
    // At or before the dropped event's time: a position below a's floor, which resumes with too-old.
    EventId lost = positionAt(log, "a", 100);
    assertThat(lost).isEqualTo(EventId.of(7, 0));
    assertThat(resume(log, "a", lost).reset).isEqualTo(ResetReason.TOO_OLD);
    // After it: the retained events replay.
    assertThat(positionAt(log, "a", 101)).isEqualTo(EventId.of(7, 2));
    assertThat(resume(log, "a", EventId.of(7, 2)).events).extracting(e -> e.offset).containsExactly(3L, 4L);
  }
}
