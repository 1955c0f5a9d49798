package io.livepush;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An immutable snapshot of a server's counters, from {@link LivePushServer#stats()}. Counters are cumulative
 * since start; {@link #connections()}, {@link #connectionsByTransport()} and {@link #subscriptions()} are
 * gauges, and so is {@link #subscriptionsByTransport()}. Each counter is read without a global lock, so two counters may be a few events apart.
 */
public final class LivePushStats {
  private final Map<String, Integer> connectionsByTransport;
  private final Map<String, Long> subscriptionsByTransport;
  private final long subscribes;
  private final long published;
  private final long delivered;
  private final long dropped;
  private final long conflated;
  private final long replayed;
  private final long resumes;
  private final long resumesFromLog;
  private final long resumesFromBus;
  private final Map<ResetReason, Long> resets;
  private final Map<SlowConsumerPolicy, Long> slowConsumerActions;
  private final Map<String, Long> refusals;
  private final long bytesWritten;
  private final long busPublished;
  private final long busPublishFailures;

  /**
   * For the core; applications read snapshots. The maps are copied.
   *
   * @param connectionsByTransport open streaming connections per transport name; not {@code null}
   * @param subscriptionsByTransport subscriptions held now per transport name; not {@code null}
   * @param subscribes subscribe calls served since start, &ge; 0
   * @param published events published since start, &ge; 0
   * @param delivered live event writes to subscribers since start, &ge; 0
   * @param dropped live events skipped for slow consumers since start, &ge; 0
   * @param conflated live events replaced by a newer one since start, &ge; 0
   * @param replayed events written from the replay log since start, &ge; 0
   * @param resumes subscribes that asked to resume since start, &ge; 0
   * @param resumesFromLog resumes served from this node's replay log since start, &ge; 0
   * @param resumesFromBus resumes served from the bus's history since start, &ge; 0
   * @param resets resets sent per reason since start; not {@code null}, absent reasons count 0
   * @param slowConsumerActions times each slow-consumer policy acted since start; not {@code null}
   * @param refusals requests refused per cause since start; not {@code null}
   * @param bytesWritten bytes of live and replayed events written since start, &ge; 0
   * @param busPublished application publishes through the bus that completed since start, &ge; 0
   * @param busPublishFailures of {@code busPublished}, those that failed, &ge; 0
   * @throws NullPointerException if a map is {@code null} or holds a {@code null} key or value
   */
  public LivePushStats(Map<String, Integer> connectionsByTransport, Map<String, Long> subscriptionsByTransport,
      long subscribes, long published, long delivered, long dropped, long conflated, long replayed, long resumes,
      long resumesFromLog, long resumesFromBus, Map<ResetReason, Long> resets,
      Map<SlowConsumerPolicy, Long> slowConsumerActions, Map<String, Long> refusals, long bytesWritten,
      long busPublished, long busPublishFailures) {
    this.connectionsByTransport = Map.copyOf(connectionsByTransport);
    this.subscriptionsByTransport = Map.copyOf(subscriptionsByTransport);
    this.subscribes = subscribes;
    this.published = published;
    this.delivered = delivered;
    this.dropped = dropped;
    this.conflated = conflated;
    this.replayed = replayed;
    this.resumes = resumes;
    this.resumesFromLog = resumesFromLog;
    this.resumesFromBus = resumesFromBus;
    this.resets = Map.copyOf(resets);
    this.slowConsumerActions = Map.copyOf(slowConsumerActions);
    this.refusals = Map.copyOf(refusals);
    this.bytesWritten = bytesWritten;
    this.busPublished = busPublished;
    this.busPublishFailures = busPublishFailures;
  }

  /**
   * Open streaming connections, all transports.
   *
   * @return the sum of {@link #connectionsByTransport()}, &ge; 0
   */
  public int connections() {
    int n = 0;
    for (int c : connectionsByTransport.values()) {
      n += c;
    }
    return n;
  }

  /**
   * Open streaming connections per transport name.
   *
   * @return transport name ({@code sse}, {@code websocket}, ...) to count, unmodifiable; never {@code null}
   */
  public Map<String, Integer> connectionsByTransport() {
    return connectionsByTransport;
  }

  /**
   * Subscriptions held now, all transports (one per connection and topic).
   *
   * @return the sum of {@link #subscriptionsByTransport()}, &ge; 0
   */
  public long subscriptions() {
    long n = 0;
    for (long c : subscriptionsByTransport.values()) {
      n += c;
    }
    return n;
  }

  /**
   * Subscriptions held now per transport name.
   *
   * @return transport name to count, unmodifiable; never {@code null}
   */
  public Map<String, Long> subscriptionsByTransport() {
    return subscriptionsByTransport;
  }

  /**
   * Subscribe calls served since start (each may cover several topics).
   *
   * @return the count since start, &ge; 0
   */
  public long subscribes() {
    return subscribes;
  }

  /**
   * Events published.
   *
   * @return the count since start, &ge; 0
   */
  public long published() {
    return published;
  }

  /**
   * Live event writes to subscribers.
   *
   * @return the count since start, &ge; 0
   */
  public long delivered() {
    return delivered;
  }

  /**
   * Live events skipped for slow consumers ({@link SlowConsumerPolicy#DROP_WITH_RESET}).
   *
   * @return the count since start, &ge; 0
   */
  public long dropped() {
    return dropped;
  }

  /**
   * Live events replaced by a newer one ({@link SlowConsumerPolicy#KEEP_LATEST}).
   *
   * @return the count since start, &ge; 0
   */
  public long conflated() {
    return conflated;
  }

  /**
   * Events written from the replay log to resuming subscribers.
   *
   * @return the count since start, &ge; 0
   */
  public long replayed() {
    return replayed;
  }

  /**
   * Subscribes that asked to resume from an id.
   *
   * @return the count since start, &ge; 0
   */
  public long resumes() {
    return resumes;
  }

  /**
   * Resumes served from this node's replay log: subscribes with a resume id of which at least one topic was
   * replayed (or was already current) rather than reset.
   *
   * @return the count since start, &ge; 0
   */
  public long resumesFromLog() {
    return resumesFromLog;
  }

  /**
   * Resumes reaching back before this node's log, served from the cluster bus's history (with a bus only). A
   * bus that cannot vouch for the range answers with a reset, counted in {@link #resets(ResetReason)}.
   *
   * @return the count since start, &ge; 0
   */
  public long resumesFromBus() {
    return resumesFromBus;
  }

  /**
   * Resets sent for {@code reason} since start, one per topic (refused resumes, slow consumers, bus gaps and
   * rebases).
   *
   * @param reason the reason to count
   * @return the count, &ge; 0; 0 for a reason never sent or {@code null}
   */
  public long resets(ResetReason reason) {
    return resets.getOrDefault(reason, 0L);
  }

  /**
   * Times each slow-consumer policy acted: connections closed ({@code DISCONNECT}), drop episodes ended by a
   * reset ({@code DROP_WITH_RESET}; counted when the first event is dropped), conflation episodes
   * ({@code KEEP_LATEST}).
   *
   * @param policy the policy to count
   * @return times it acted since start, &ge; 0; 0 for {@code null}
   */
  public long slowConsumerActions(SlowConsumerPolicy policy) {
    return slowConsumerActions.getOrDefault(policy, 0L);
  }

  /**
   * Connections closed as slow consumers; same as {@code slowConsumerActions(DISCONNECT)}.
   *
   * @return the count since start, &ge; 0
   */
  public long slowConsumerDisconnects() {
    return slowConsumerActions(SlowConsumerPolicy.DISCONNECT);
  }

  /**
   * Requests refused by a guard, by cause: {@code max-connections}, {@code max-connections-per-address},
   * {@code admission-rate}, {@code unauthorized}, {@code forbidden}, {@code request-header-timeout}.
   *
   * @return cause to count since start, unmodifiable; causes never seen are absent; never {@code null}
   */
  public Map<String, Long> refusals() {
    return refusals;
  }

  /**
   * Bytes of live and replayed events written (heartbeats and protocol messages excluded).
   *
   * @return the count since start, &ge; 0
   */
  public long bytesWritten() {
    return bytesWritten;
  }

  /**
   * Events the application published through the bus ({@link LivePushServer#publishAsync}) that completed.
   *
   * @return the count since start, &ge; 0
   */
  public long busPublished() {
    return busPublished;
  }

  /**
   * Of {@link #busPublished()}, those that failed (the bus refused or was unreachable).
   *
   * @return the count since start, &ge; 0
   */
  public long busPublishFailures() {
    return busPublishFailures;
  }

  /**
   * This snapshot as a JSON object (what {@link LivePushServer.Builder#statsService(String)} serves).
   *
   * @return a new, modifiable map in a stable key order, with nested maps for the per-key counters
   */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("connections", connections());
    m.put("connectionsByTransport", new java.util.TreeMap<>(connectionsByTransport));
    m.put("subscriptions", subscriptions());
    m.put("subscriptionsByTransport", new java.util.TreeMap<>(subscriptionsByTransport));
    m.put("subscribes", subscribes);
    m.put("published", published);
    m.put("delivered", delivered);
    m.put("dropped", dropped);
    m.put("conflated", conflated);
    m.put("replayed", replayed);
    m.put("resumes", resumes);
    m.put("resumesFromLog", resumesFromLog);
    m.put("resumesFromBus", resumesFromBus);
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
    m.put("busPublished", busPublished);
    m.put("busPublishFailures", busPublishFailures);
    return m;
  }

  @Override
  public String toString() {
    return "LivePushStats" + toMap();
  }
}
