package io.livepush.internal;

import io.livepush.LivePushStats;
import io.livepush.ResetReason;
import io.livepush.SlowConsumerPolicy;
import io.livepush.spi.MetricsListener;
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
  /** Subscriptions held now, per transport index (a gauge made of adds and subtracts). */
  final LongAdder[] activeSubscriptions;
  final LongAdder resumes = new LongAdder();
  final LongAdder resumesFromLog = new LongAdder();
  final LongAdder resumesFromBus = new LongAdder();
  final LongAdder busPublished = new LongAdder();
  final LongAdder busPublishFailures = new LongAdder();
  final LongAdder dropped = new LongAdder();
  final LongAdder conflated = new LongAdder();
  final LongAdder bytesWritten = new LongAdder();
  final LongAdder[] resets = new LongAdder[ResetReason.values().length];
  final LongAdder[] slowActions = new LongAdder[SlowConsumerPolicy.values().length];
  private final ConcurrentHashMap<String, LongAdder> refusals = new ConcurrentHashMap<>();
  /** Replaced whole (copy on write), read once per call: no allocation, no lock on the event loop. */
  private volatile MetricsListener[] listeners = new MetricsListener[0];

  Stats(int transports) {
    activeSubscriptions = new LongAdder[transports];
    for (int i = 0; i < transports; i++) {
      activeSubscriptions[i] = new LongAdder();
    }
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
    // resetReasons are counted when each reset is written (SessionImpl's owed resets), not here: once only.
  }

  void subscriptions(int transportIndex, int delta) {
    activeSubscriptions[transportIndex].add(delta);
  }

  /** Sets the listeners {@link #deliveryLatency} and {@link #busPublish} call; any thread. */
  public void listeners(MetricsListener[] l) {
    listeners = l.clone();
  }

  /**
   * Whether a listener takes delivery-latency samples, so a delivery task reads the clock only then. Any thread;
   * a listener added meanwhile gets its samples from the next task on.
   */
  boolean timesDelivery() {
    return listeners.length > 0;
  }

  /** One sample per delivery task (one event, one loop); on that event loop. */
  void deliveryLatency(long nanos) {
    for (MetricsListener l : listeners) {
      l.deliveryLatency(nanos);
    }
  }

  /** Counts one bus publish that completed (or failed) after {@code nanos}; on the bus's thread. */
  public void busPublish(long nanos, boolean failed) {
    busPublished.increment();
    if (failed) {
      busPublishFailures.increment();
    }
    for (MetricsListener l : listeners) {
      l.busPublish(nanos, failed);
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

  LivePushStats snapshot(Map<String, Integer> connectionsByTransport, String[] transportNames) {
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
    Map<String, Long> subs = new HashMap<>();
    for (int i = 0; i < transportNames.length; i++) {
      subs.merge(transportNames[i], activeSubscriptions[i].sum(), Long::sum);
    }
    return new LivePushStats(connectionsByTransport, subs, subscriptions.sum(),
        published.sum(), delivered.sum(), dropped.sum(), conflated.sum(), replayed.sum(), resumes.sum(),
        resumesFromLog.sum(), resumesFromBus.sum(), r, s, ref, bytesWritten.sum(), busPublished.sum(),
        busPublishFailures.sum());
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
