package io.livepush.internal;

import io.livepush.LivePushStats;
import io.livepush.ResetReason;
import io.livepush.SlowConsumerPolicy;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counters updated on hot paths without contention (LongAdder); read as {@link LivePushStats} snapshots. */
public final class Stats {
  /** Refusal causes, as named in {@link LivePushStats#refusals()}. */
  public static final String MAX_CONNECTIONS = "max-connections";
  public static final String MAX_PER_ADDRESS = "max-connections-per-address";
  public static final String ADMISSION_RATE = "admission-rate";
  public static final String UNAUTHORIZED = "unauthorized";
  public static final String FORBIDDEN = "forbidden";
  public static final String REQUEST_HEADER_TIMEOUT = "request-header-timeout";
  public static final String AUTH_FAILURE_RATE = "auth-failure-rate";

  final LongAdder published = new LongAdder();
  final LongAdder delivered = new LongAdder();
  final LongAdder replayed = new LongAdder();
  final LongAdder subscriptions = new LongAdder();
  final LongAdder activeSubscriptions = new LongAdder();
  final LongAdder resumes = new LongAdder();
  final LongAdder dropped = new LongAdder();
  final LongAdder conflated = new LongAdder();
  final LongAdder bytesWritten = new LongAdder();
  final LongAdder[] resets = new LongAdder[ResetReason.values().length];
  final LongAdder[] slowActions = new LongAdder[SlowConsumerPolicy.values().length];
  private final ConcurrentHashMap<String, LongAdder> refusals = new ConcurrentHashMap<>();

  Stats() {
    for (int i = 0; i < resets.length; i++) {
      resets[i] = new LongAdder();
    }
    for (int i = 0; i < slowActions.length; i++) {
      slowActions[i] = new LongAdder();
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

  void reset(ResetReason reason) {
    resets[reason.ordinal()].increment();
  }

  void replayed(int n) {
    replayed.add(n);
  }

  void slowConsumer(SlowConsumerPolicy policy) {
    slowActions[policy.ordinal()].increment();
  }

  void slowConsumerDisconnect() {
    slowConsumer(SlowConsumerPolicy.DISCONNECT);
  }

  /** Counts a request refused by a guard; {@code cause} is one of the constants above. */
  public void refused(String cause) {
    refusals.computeIfAbsent(cause, k -> new LongAdder()).increment();
  }

  LivePushStats snapshot(Map<String, Integer> connectionsByTransport) {
    Map<ResetReason, Long> r = new EnumMap<>(ResetReason.class);
    for (ResetReason reason : ResetReason.values()) {
      r.put(reason, resets[reason.ordinal()].sum());
    }
    Map<SlowConsumerPolicy, Long> s = new EnumMap<>(SlowConsumerPolicy.class);
    for (SlowConsumerPolicy p : SlowConsumerPolicy.values()) {
      s.put(p, slowActions[p.ordinal()].sum());
    }
    Map<String, Long> ref = new HashMap<>();
    refusals.forEach((k, v) -> ref.put(k, v.sum()));
    return new LivePushStats(connectionsByTransport, activeSubscriptions.sum(), subscriptions.sum(),
        published.sum(), delivered.sum(), dropped.sum(), conflated.sum(), replayed.sum(), resumes.sum(), r, s,
        ref, bytesWritten.sum());
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
    return slowActions[SlowConsumerPolicy.DISCONNECT.ordinal()].sum();
  }
}
