package io.livepush.internal;

import io.livepush.ResetReason;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/** Counters updated on hot paths without contention (LongAdder); read as snapshots. */
public final class Stats {
  final LongAdder published = new LongAdder();
  final LongAdder delivered = new LongAdder();
  final LongAdder replayed = new LongAdder();
  final LongAdder subscriptions = new LongAdder();
  final LongAdder resumes = new LongAdder();
  final LongAdder slowConsumerDisconnects = new LongAdder();
  final LongAdder[] resets = new LongAdder[ResetReason.values().length];

  Stats() {
    for (int i = 0; i < resets.length; i++) {
      resets[i] = new LongAdder();
    }
  }

  void onSubscribe(boolean resume, List<ResetReason> resetReasons) {
    subscriptions.increment();
    if (resume) {
      resumes.increment();
    }
    for (ResetReason r : resetReasons) {
      resets[r.ordinal()].increment();
    }
  }

  void replayed(int n) {
    replayed.add(n);
  }

  void slowConsumerDisconnect() {
    slowConsumerDisconnects.increment();
  }

  public long published() {
    return published.sum();
  }

  public long delivered() {
    return delivered.sum();
  }

  public long replayed() {
    return replayed.sum();
  }

  public long resumes() {
    return resumes.sum();
  }

  public long resets(ResetReason reason) {
    return resets[reason.ordinal()].sum();
  }

  public long slowConsumerDisconnects() {
    return slowConsumerDisconnects.sum();
  }
}
