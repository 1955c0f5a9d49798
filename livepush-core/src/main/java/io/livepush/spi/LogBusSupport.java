package io.livepush.spi;

import io.livepush.EventId;
import io.livepush.ResetReason;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * What every log-based {@link EventBus} needs besides its engine's calls: epochs and node ids, history range
 * checks and collection, reconnect backoff, error unwrapping, builder checks with one message shape
 * ({@code "name: value (expected: ...)"}). See also {@link LogFollower} (applying records in order) and
 * {@link PresenceExchange} (cluster presence schedule).
 *
 * <p>Every method is safe from any thread and never blocks.
 */
public final class LogBusSupport {
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Bits of an epoch, as the core's local epochs. */
  public static final long EPOCH_MASK = 0xFF_FFFF_FFFFL;

  private LogBusSupport() {}

  /**
   * A random epoch of 40 bits, as the single-node log uses.
   *
   * @return a random epoch of 40 bits, as the single-node log uses
   */
  public static long newEpoch() {
    return RANDOM.nextLong() & EPOCH_MASK;
  }

  /**
   * A random node id (base 36, up to 13 characters) for presence: random per start, so a restarted node never
   * inherits a dead one's members.
   *
   * @return a new node id
   */
  public static String newNodeId() {
    return Long.toString(RANDOM.nextLong() >>> 1, 36);
  }

  /**
   * The answer to {@link EventBus#history} that needs no read: an empty history when the range is empty, a
   * {@code reset} ({@code too-old}) when it holds more than {@code maxEvents} offsets; {@code null} when the bus
   * must read it.
   *
   * @param after the range's start (exclusive)
   * @param upTo the range's end (inclusive)
   * @param maxEvents the most offsets the bus reads for one resume
   * @return the answer, or {@code null} when the range must be read
   */
  public static EventBus.History answerWithoutReading(EventId after, EventId upTo, int maxEvents) {
    long count = upTo.offset() - after.offset();
    if (count <= 0) {
      return EventBus.History.of(List.of());
    }
    if (count > maxEvents) {
      return EventBus.History.reset(ResetReason.TOO_OLD);
    }
    return null;
  }

  /**
   * The cause inside {@link CompletionException} / {@link ExecutionException} wrappers.
   *
   * @param t a throwable
   * @return the innermost cause that is not such a wrapper
   */
  public static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * {@code SimpleClassName: message} of the unwrapped cause, for log lines and exception messages.
   *
   * @param t a throwable
   * @return its description
   */
  public static String describe(Throwable t) {
    Throwable u = unwrap(t);
    return u.getClass().getSimpleName() + ": " + u.getMessage();
  }

  /**
   * A bus builder's check of a count: one message shape for every bus, {@code "name: value (expected: >= min)"}.
   *
   * @param name the setting, for the message
   * @param value the value given
   * @param min the least value allowed
   * @return {@code value}
   * @throws IllegalArgumentException if {@code value} is below {@code min}
   */
  public static long atLeast(String name, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= " + min + ")");
    }
    return value;
  }

  /**
   * {@link #atLeast(String, long, long)} for an {@code int}.
   *
   * @param name the setting, for the message
   * @param value the value given
   * @param min the least value allowed
   * @return {@code value}
   * @throws IllegalArgumentException if {@code value} is below {@code min}
   */
  public static int atLeast(String name, int value, int min) {
    return (int) atLeast(name, (long) value, (long) min);
  }

  /**
   * A bus builder's check of a duration the engine takes in nanoseconds or as a {@link Duration}: longer than
   * zero. Message {@code "name: value (expected: > 0)"}.
   *
   * @param name the setting, for the messages
   * @param value the value given
   * @return {@code value}
   * @throws NullPointerException if {@code value} is {@code null}
   * @throws IllegalArgumentException if {@code value} is zero or negative
   */
  public static Duration positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
    }
    return value;
  }

  /**
   * A bus builder's check of its presence schedule ({@link PresenceExchange}): both positive, and the expiry at
   * least twice the interval, so one lost announcement never makes a live node look dead.
   *
   * @param interval how often a node re-announces its members
   * @param expiry how long an announcement lasts
   * @throws NullPointerException if either is {@code null}
   * @throws IllegalArgumentException if either is not positive or {@code expiry} is under 2 x {@code interval}
   */
  public static void presenceTimes(Duration interval, Duration expiry) {
    positive("presenceInterval", interval);
    positive("presenceExpiry", expiry);
    if (expiry.compareTo(interval.multipliedBy(2)) < 0) {
      throw new IllegalArgumentException("presenceExpiry: " + expiry + " (expected: >= 2 x presenceInterval "
          + interval + ")");
    }
  }

  /**
   * A bus builder's check of a duration the engine takes in whole milliseconds (Kafka client settings, Redis
   * {@code XREAD BLOCK}, where 0 would mean "no wait" or "forever"): at least 1 ms. Message
   * {@code "name: value (expected: >= 1 ms)"}.
   *
   * @param name the setting, for the messages
   * @param value the value given
   * @return {@code value}
   * @throws NullPointerException if {@code value} is {@code null}
   * @throws IllegalArgumentException if {@code value} is shorter than 1 ms
   */
  public static Duration atLeastOneMilli(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.toMillis() < 1) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= 1 ms)");
    }
    return value;
  }

  /**
   * Collects the history of a range ({@code after}, {@code upTo}] from records read in offset order and decides
   * whether it is complete. Not thread-safe: one read fills one collector.
   */
  public static final class HistoryCollector {
    private final Set<String> topics;
    private final EventId after;
    private final EventId upTo;
    private final boolean contiguous;
    private final List<PublishedEvent> events = new ArrayList<>();
    private long expected;
    private ResetReason reset;
    private boolean complete;

    /**
     * Collects the events of one history range.
     *
     * @param topics the topics to keep
     * @param after the range's start (exclusive)
     * @param upTo the range's end (inclusive)
     * @param contiguous whether every offset of the range must be read (Redis); otherwise the engine vouches
     *     for the start itself and the range is complete once a record at or after {@code upTo} was read or
     *     {@link #reachedEnd()} was called
     */
    public HistoryCollector(Collection<String> topics, EventId after, EventId upTo, boolean contiguous) {
      this.topics = new HashSet<>(topics);
      this.after = after;
      this.upTo = upTo;
      this.contiguous = contiguous;
      this.expected = after.offset() + 1;
    }

    /**
     * Takes the next record read; returns {@code true} while more are needed, {@code false} once the range is
     * complete or cannot be served (then records are ignored).
     *
     * @param e the next record read, in offset order
     * @return whether more records are needed
     */
    public boolean add(PublishedEvent e) {
      if (complete || reset != null) {
        return false;
      }
      EventId id = e.id();
      if (id.epoch() != after.epoch()) {
        reset = ResetReason.EPOCH_CHANGED;
        return false;
      }
      if (id.offset() <= after.offset()) {
        return true;
      }
      if (id.offset() > upTo.offset()) {
        complete = true; // a later record proves nothing in the range is still unread
        return false;
      }
      if (contiguous && id.offset() != expected) {
        reset = ResetReason.TOO_OLD; // a hole: trimmed
        return false;
      }
      expected = id.offset() + 1;
      if (topics.contains(e.topic())) {
        events.add(e);
      }
      if (id.offset() == upTo.offset()) {
        complete = true;
      }
      return !complete;
    }

    /** The engine has nothing more in the range (its end offset is past {@code upTo}). */
    public void reachedEnd() {
      if (reset == null) {
        complete = true;
      }
    }

    /**
     * The range cannot be served, e.g. its start was removed by retention.
     *
     * @param reason the reset reason
     */
    public void fail(ResetReason reason) {
      if (reset == null) {
        reset = reason;
      }
    }

    /**
     * The result: the events when complete, else a {@code reset} ({@code too-old} unless another was set).
     *
     * @return the result: the events when complete, else a {@code reset} ({@code too-old} unless another was set)
     */
    public EventBus.History result() {
      if (reset != null) {
        return EventBus.History.reset(reset);
      }
      return complete ? EventBus.History.of(events) : EventBus.History.reset(ResetReason.TOO_OLD);
    }
  }

  /** Reconnect delays: {@code min} doubling up to {@code max}; not thread-safe (one reader uses it). */
  public static final class Backoff {
    private final long minNanos;
    private final long maxNanos;
    private long current;

    /**
     * A backoff that starts at {@code min} and doubles up to {@code max}.
     *
     * @param min the first delay
     * @param max the longest delay
     */
    public Backoff(Duration min, Duration max) {
      this.minNanos = min.toNanos();
      this.maxNanos = max.toNanos();
    }

    /**
     * The next delay, in nanoseconds.
     *
     * @return the next delay, in nanoseconds
     */
    public long nextNanos() {
      current = current == 0 ? minNanos : Math.min(current * 2, maxNanos);
      return current;
    }

    /** After a success: the next failure waits {@code min} again. */
    public void reset() {
      current = 0;
    }
  }
}
