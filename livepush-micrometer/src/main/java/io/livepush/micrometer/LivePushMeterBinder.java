package io.livepush.micrometer;

import io.livepush.LivePushServer;
import io.livepush.LivePushStats;
import io.livepush.ResetReason;
import io.livepush.SlowConsumerPolicy;
import io.livepush.spi.MetricsListener;
import io.livepush.spi.Transport;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Binds a {@link LivePushServer}'s metrics to a Micrometer {@link MeterRegistry}; no Spring needed. Every meter is
 * listed, with its Prometheus name, in docs/metrics.md.
 *
 * <pre>{@code
 * LivePushMeterBinder.of(server).bindTo(registry);
 * }</pre>
 *
 * <p>Gauges and counters read {@link LivePushServer#stats()} when the registry polls them (a scrape): nothing is
 * added to livepush's hot paths for them. Before the server started they read 0. The two timers
 * ({@code livepush.delivery.latency}, {@code livepush.bus.publish}) are fed by a {@link MetricsListener} this
 * binder adds to the server in {@link #bindTo}; the delivery timer takes one sample per event per event loop
 * with subscribers (not per subscriber), on that loop. Percentile histograms are off, as Micrometer's default;
 * turn them on with a {@code MeterFilter} if the backend aggregates them (Prometheus).
 *
 * <p>Tags given to the constructor are added to every meter (for example the node name). Thread-safe; bind to
 * several registries if needed. {@link #close()} removes the listeners (the registry keeps the meters; remove
 * them through the registry).
 */
public final class LivePushMeterBinder implements MeterBinder, AutoCloseable {
  /** Refusal causes the core counts (see {@link LivePushStats#refusals()}); registered up front, at 0. */
  static final List<String> REFUSAL_REASONS = List.of("max-connections", "max-connections-per-address",
      "admission-rate", "unauthorized", "forbidden", "request-header-timeout", "auth-failure-rate");

  private final LivePushServer server;
  private final Tags tags;
  private final List<MetricsListener> listeners = new ArrayList<>();

  /**
   * A binder for {@code server} whose meters all carry {@code tags}.
   *
   * @param server the server to observe; it may be started before or after binding
   * @param tags added to every meter
   */
  public LivePushMeterBinder(LivePushServer server, Iterable<Tag> tags) {
    this.server = Objects.requireNonNull(server, "server");
    this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
  }

  /**
   * A binder without extra tags.
   *
   * @param server the server to observe
   * @return a new binder; call {@link #bindTo} with the registry
   */
  public static LivePushMeterBinder of(LivePushServer server) {
    return new LivePushMeterBinder(server, Tags.empty());
  }

  /**
   * Registers every meter (docs/metrics.md) in {@code registry} and adds a {@link MetricsListener} to the server
   * for the timers. Any thread; the transports' gauges are fixed by the server's configuration.
   *
   * @param registry where the meters go
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Set<String> transports = new LinkedHashSet<>();
    for (Transport t : server.config().transports()) {
      transports.add(t.name());
    }
    for (String t : transports) {
      Tags tt = tags.and("transport", t);
      Gauge.builder("livepush.connections", server, b -> stats(b).connectionsByTransport().getOrDefault(t, 0))
          .description("Open streaming connections").baseUnit(BaseUnits.CONNECTIONS).tags(tt)
          .strongReference(true).register(registry);
      Gauge.builder("livepush.subscriptions", server,
              b -> stats(b).subscriptionsByTransport().getOrDefault(t, 0L))
          .description("Subscriptions held (one per connection and topic)").tags(tt)
          .strongReference(true).register(registry);
    }
    counter(registry, "livepush.subscribes", null, "Subscribe requests served (each may cover several topics)",
        tags, LivePushStats::subscribes);
    counter(registry, "livepush.events.published", null, "Events appended to this node's log",
        tags, LivePushStats::published);
    counter(registry, "livepush.events.delivered", null, "Live event writes to subscribers", tags,
        LivePushStats::delivered);
    counter(registry, "livepush.events.dropped", null,
        "Live events skipped for slow consumers (drop_with_reset)", tags, LivePushStats::dropped);
    counter(registry, "livepush.events.conflated", null,
        "Live events replaced by a newer one for slow consumers (keep_latest)", tags, LivePushStats::conflated);
    counter(registry, "livepush.events.replayed", null,
        "Events written from the replay log or the bus history to resuming subscribers", tags,
        LivePushStats::replayed);
    counter(registry, "livepush.written", BaseUnits.BYTES,
        "Bytes of live and replayed events written (heartbeats and protocol messages excluded)", tags,
        LivePushStats::bytesWritten);
    counter(registry, "livepush.resumes", null, "Resumes served, by source (log: this node's replay log; "
        + "bus: the cluster bus's history)", tags.and("source", "log"), LivePushStats::resumesFromLog);
    counter(registry, "livepush.resumes", null, "Resumes served, by source (log: this node's replay log; "
        + "bus: the cluster bus's history)", tags.and("source", "bus"), LivePushStats::resumesFromBus);
    for (ResetReason r : ResetReason.values()) {
      counter(registry, "livepush.resets", null, "Resets sent, one per topic, by reason",
          tags.and("reason", r.code()), s -> s.resets(r));
    }
    for (SlowConsumerPolicy p : SlowConsumerPolicy.values()) {
      counter(registry, "livepush.slow.consumer.actions", null, "Times a slow-consumer policy acted",
          tags.and("policy", p.name().toLowerCase(Locale.ROOT)), s -> s.slowConsumerActions(p));
    }
    Set<String> reasons = new LinkedHashSet<>(REFUSAL_REASONS);
    reasons.addAll(stats(server).refusals().keySet());
    for (String r : reasons) {
      counter(registry, "livepush.refusals", null, "Requests refused by a guard, by reason",
          tags.and("reason", r), s -> s.refusals().getOrDefault(r, 0L));
    }

    Timer delivery = Timer.builder("livepush.delivery.latency")
        .description("Publish (append to this node's log) to write, sampled once per event per event loop")
        .tags(tags).register(registry);
    MetricsListener listener;
    if (server.config().bus() != null) {
      Timer ok = busTimer(registry, "success");
      Timer failed = busTimer(registry, "failure");
      listener = new MetricsListener() {
        @Override
        public void deliveryLatency(long nanos) {
          delivery.record(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void busPublish(long nanos, boolean failure) {
          (failure ? failed : ok).record(nanos, TimeUnit.NANOSECONDS);
        }
      };
    } else {
      listener = new MetricsListener() {
        @Override
        public void deliveryLatency(long nanos) {
          delivery.record(nanos, TimeUnit.NANOSECONDS);
        }
      };
    }
    synchronized (listeners) {
      listeners.add(listener);
    }
    server.addMetricsListener(listener);
  }

  private Timer busTimer(MeterRegistry registry, String outcome) {
    return Timer.builder("livepush.bus.publish")
        .description("Application publishes through the cluster bus, until accepted or failed")
        .tags(tags.and("outcome", outcome)).register(registry);
  }

  private void counter(MeterRegistry registry, String name, String unit, String description, Tags meterTags,
      ToDoubleFunction<LivePushStats> f) {
    // The server, not this binder, is the meters' (weakly held) object: applications keep the server, not always
    // the binder.
    FunctionCounter.builder(name, server, b -> f.applyAsDouble(stats(b))).description(description)
        .baseUnit(unit).tags(meterTags).register(registry);
  }

  /** The server's snapshot, or zeros before it started. */
  private static LivePushStats stats(LivePushServer server) {
    try {
      return server.stats();
    } catch (IllegalStateException notStarted) {
      return EMPTY;
    }
  }

  private static final LivePushStats EMPTY = new LivePushStats(java.util.Map.of(), java.util.Map.of(), 0, 0, 0,
      0, 0, 0, 0, 0, 0, java.util.Map.of(), java.util.Map.of(), java.util.Map.of(), 0, 0, 0);

  /** Removes the listeners {@link #bindTo} added to the server; idempotent. */
  @Override
  public void close() {
    synchronized (listeners) {
      for (MetricsListener l : listeners) {
        server.removeMetricsListener(l);
      }
      listeners.clear();
    }
  }
}
