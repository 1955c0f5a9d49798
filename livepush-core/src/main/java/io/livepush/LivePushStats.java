package io.livepush;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An immutable snapshot of a server's counters, from {@link LivePushServer#stats()}. Counters are cumulative
 * since start; {@link #connections()}, {@link #connectionsByTransport()} and {@link #subscriptions()} are
 * gauges. Each counter is read without a global lock, so two counters may be a few events apart.
 */
public final class LivePushStats {
  private final Map<String, Integer> connectionsByTransport;
  private final long subscriptions;
  private final long subscribes;
  private final long published;
  private final long delivered;
  private final long dropped;
  private final long conflated;
  private final long replayed;
  private final long resumes;
  private final Map<ResetReason, Long> resets;
  private final Map<SlowConsumerPolicy, Long> slowConsumerActions;
  private final Map<String, Long> refusals;
  private final long bytesWritten;

  /** For the core; applications read snapshots. */
  public LivePushStats(Map<String, Integer> connectionsByTransport, long subscriptions, long subscribes,
      long published, long delivered, long dropped, long conflated, long replayed, long resumes,
      Map<ResetReason, Long> resets, Map<SlowConsumerPolicy, Long> slowConsumerActions,
      Map<String, Long> refusals, long bytesWritten) {
    this.connectionsByTransport = Map.copyOf(connectionsByTransport);
    this.subscriptions = subscriptions;
    this.subscribes = subscribes;
    this.published = published;
    this.delivered = delivered;
    this.dropped = dropped;
    this.conflated = conflated;
    this.replayed = replayed;
    this.resumes = resumes;
    this.resets = Map.copyOf(resets);
    this.slowConsumerActions = Map.copyOf(slowConsumerActions);
    this.refusals = Map.copyOf(refusals);
    this.bytesWritten = bytesWritten;
  }

  /** Open streaming connections, all transports. */
  public int connections() {
    int n = 0;
    for (int c : connectionsByTransport.values()) {
      n += c;
    }
    return n;
  }

  /** Open streaming connections per transport name. */
  public Map<String, Integer> connectionsByTransport() {
    return connectionsByTransport;
  }

  /** Subscriptions held now. */
  public long subscriptions() {
    return subscriptions;
  }

  /** Subscribe calls served since start (each may cover several topics). */
  public long subscribes() {
    return subscribes;
  }

  /** Events published. */
  public long published() {
    return published;
  }

  /** Live event writes to subscribers. */
  public long delivered() {
    return delivered;
  }

  /** Live events skipped for slow consumers ({@link SlowConsumerPolicy#DROP_WITH_RESET}). */
  public long dropped() {
    return dropped;
  }

  /** Live events replaced by a newer one ({@link SlowConsumerPolicy#KEEP_LATEST}). */
  public long conflated() {
    return conflated;
  }

  /** Events written from the replay log to resuming subscribers. */
  public long replayed() {
    return replayed;
  }

  /** Subscribes that asked to resume from an id. */
  public long resumes() {
    return resumes;
  }

  /** Resets sent for {@code reason}. */
  public long resets(ResetReason reason) {
    return resets.getOrDefault(reason, 0L);
  }

  /**
   * Times each slow-consumer policy acted: connections closed ({@code DISCONNECT}), drop episodes ended by a
   * reset ({@code DROP_WITH_RESET}; counted when the first event is dropped), conflation episodes
   * ({@code KEEP_LATEST}).
   */
  public long slowConsumerActions(SlowConsumerPolicy policy) {
    return slowConsumerActions.getOrDefault(policy, 0L);
  }

  /** Connections closed as slow consumers; same as {@code slowConsumerActions(DISCONNECT)}. */
  public long slowConsumerDisconnects() {
    return slowConsumerActions(SlowConsumerPolicy.DISCONNECT);
  }

  /**
   * Requests refused by a guard, by cause: {@code max-connections}, {@code max-connections-per-address},
   * {@code admission-rate}, {@code unauthorized}, {@code forbidden}, {@code request-header-timeout}.
   */
  public Map<String, Long> refusals() {
    return refusals;
  }

  /** Bytes of live and replayed events written (heartbeats and protocol messages excluded). */
  public long bytesWritten() {
    return bytesWritten;
  }

  /** This snapshot as a JSON object (what {@link LivePushServer.Builder#statsService(String)} serves). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("connections", connections());
    m.put("connectionsByTransport", new java.util.TreeMap<>(connectionsByTransport));
    m.put("subscriptions", subscriptions);
    m.put("subscribes", subscribes);
    m.put("published", published);
    m.put("delivered", delivered);
    m.put("dropped", dropped);
    m.put("conflated", conflated);
    m.put("replayed", replayed);
    m.put("resumes", resumes);
    Map<String, Long> r = new LinkedHashMap<>();
    for (ResetReason reason : ResetReason.values()) {
      r.put(reason.code(), resets(reason));
    }
    m.put("resets", r);
    Map<String, Long> s = new LinkedHashMap<>();
    for (SlowConsumerPolicy p : SlowConsumerPolicy.values()) {
      s.put(p.name().toLowerCase(java.util.Locale.ROOT), slowConsumerActions(p));
    }
    m.put("slowConsumerActions", s);
    m.put("refusals", new java.util.TreeMap<>(refusals));
    m.put("bytesWritten", bytesWritten);
    return m;
  }

  @Override
  public String toString() {
    return "LivePushStats" + toMap();
  }
}
