package io.livepush.spi;

import io.livepush.Presence;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schedule of cluster-wide presence every bus shares: an exchange (store this node's members, read the
 * other nodes') runs every interval, right after this node's members changed, and shortly after any node's
 * {@code ~presence} event was read; at most one runs at a time and further requests coalesce into one more run.
 * The engine supplies only the exchange itself.
 *
 * <p>Threads: every method is safe from any thread and never blocks; exchanges and the timer run on the
 * {@code scheduler} the bus gives (its own threads).
 */
public final class PresenceExchange {
  private static final Logger LOG = LoggerFactory.getLogger(PresenceExchange.class);
  /** Longest delay before syncing after reading another node's {@code ~presence} event. */
  private static final long SOON_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** One exchange with the engine. */
  @FunctionalInterface
  public interface Exchange {
    /**
     * Stores {@code local} (this node's members) where the other nodes read them and completes with their
     * members; must not block.
     *
     * @param local this node's members
     * @return the other nodes' members and those of nodes found dead
     */
    CompletionStage<View> run(List<ClusterPresence.Entry> local);
  }

  /**
   * What an exchange found.
   *
   * @param others the other live nodes' members
   * @param gone members of nodes found dead by this exchange (reported to one node only)
   */
  public record View(List<ClusterPresence.Entry> others, List<ClusterPresence.Entry> gone) {
    /**
     * Copies both lists.
     *
     * @param others the other live nodes' members
     * @param gone members of nodes found dead by this exchange
     */
    public View {
      others = List.copyOf(others);
      gone = List.copyOf(gone);
    }
  }

  private final ClusterPresence presence;
  private final ScheduledExecutorService scheduler;
  private final Duration interval;
  private final Exchange exchange;
  private final Object lock = new Object();
  // Guarded by lock: one exchange in flight, later requests coalesce into one more.
  private boolean running;
  private boolean pending;
  private volatile boolean stopped;
  private volatile boolean paused;
  private volatile ScheduledFuture<?> timer;

  /**
   * An exchange of this node's presence; not started until its timer is scheduled.
   *
   * @param presence this node's presence
   * @param scheduler the bus's scheduler, for the timer and delayed exchanges
   * @param interval how often the node re-announces its members (positive)
   * @param exchange the engine's exchange
   */
  public PresenceExchange(ClusterPresence presence, ScheduledExecutorService scheduler, Duration interval,
      Exchange exchange) {
    this.presence = Objects.requireNonNull(presence, "presence");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.interval = Objects.requireNonNull(interval, "interval");
    this.exchange = Objects.requireNonNull(exchange, "exchange");
  }

  /**
   * The node's presence.
   *
   * @return the node's presence
   */
  public ClusterPresence presence() {
    return presence;
  }

  /** Starts the timer and runs the first exchange now. */
  public void start() {
    long nanos = interval.toNanos();
    timer = scheduler.scheduleAtFixedRate(() -> request(0), nanos, nanos, TimeUnit.NANOSECONDS);
    request(0);
  }

  /**
   * Call before publishing an event: when it is a {@code ~presence} event this node's members changed, so they
   * are stored now (a node that syncs on reading the event then already finds them, if the engine keeps the two
   * requests in order).
   *
   * @param topic the topic of the event about to be published
   */
  public void publishing(String topic) {
    if (topic.endsWith(Presence.TOPIC_SUFFIX)) {
      request(0);
    }
  }

  /**
   * Call for every event read from the log: when it is a {@code ~presence} event some node's members changed,
   * so the view is refreshed soon (after a short delay, so the change's own node, which stored it before
   * publishing, is not raced).
   *
   * @param topic the topic of the event read
   */
  public void read(String topic) {
    if (topic.endsWith(Presence.TOPIC_SUFFIX)) {
      request(Math.min(interval.toNanos() / 10, SOON_MAX_NANOS));
    }
  }

  /**
   * Runs an exchange after {@code delayNanos} (0: now), unless one is already waiting or in flight, in which
   * case exactly one more runs after it.
   *
   * @param delayNanos the delay, in nanoseconds
   */
  public void request(long delayNanos) {
    synchronized (lock) {
      if (running || stopped) {
        pending = true;
        return;
      }
      running = true;
    }
    if (delayNanos > 0) {
      scheduler.schedule(this::run, delayNanos, TimeUnit.NANOSECONDS);
    } else {
      run();
    }
  }

  /** For tests: stop announcing without departing, as if the node had crashed. */
  public void pause() {
    paused = true;
  }

  /**
   * Whether {@link #pause} was called.
   *
   * @return whether {@link #pause} was called
   */
  public boolean paused() {
    return paused;
  }

  /** Stops the timer; no exchange starts afterwards. Idempotent. */
  public void stop() {
    stopped = true;
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
  }

  private void run() {
    if (stopped || paused) {
      synchronized (lock) {
        running = false;
      }
      return;
    }
    CompletionStage<View> result;
    try {
      result = exchange.run(presence.localMembers());
    } catch (RuntimeException e) {
      result = java.util.concurrent.CompletableFuture.failedFuture(e);
    }
    result.whenComplete((view, error) -> {
      if (error != null) {
        LOG.warn("presence exchange failed ({}); other nodes keep this node's members until they expire",
            LogBusSupport.describe(error));
      } else {
        try {
          presence.update(view.others(), view.gone());
        } catch (RuntimeException e) {
          LOG.warn("presence update failed", e);
        }
      }
      boolean again;
      synchronized (lock) {
        running = false;
        again = pending;
        pending = false;
      }
      if (again && !stopped) {
        request(0);
      }
    });
  }
}
