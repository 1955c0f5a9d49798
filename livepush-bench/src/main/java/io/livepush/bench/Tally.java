package io.livepush.bench;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Exactly-once accounting of numbered events across a generator's subscribers, for runs that publish a known
 * number of events {@code 1..expected} (the payload's {@code "s"}): each subscriber keeps a bitset of the numbers
 * it saw, so a number seen twice is a <b>duplicate</b>, one seen after a higher one is <b>reordered</b>, one outside
 * {@code 1..expected} is <b>unexpected</b>, and what a subscriber never saw is <b>lost</b> ({@link #lost}). Off
 * ({@code expected == 0}) until {@link #expect} is called: then nothing is counted and every event is measured.
 * Counters are safe from any thread; each {@link Subscriber} is used on one event loop.
 */
final class Tally {
  private volatile long expected;
  private volatile long warmup;
  private volatile int subscribersToComplete = Integer.MAX_VALUE;
  /** Numbers seen for the first time, summed over subscribers. */
  final LongAdder distinct = new LongAdder();
  /** Numbers a subscriber had already seen. */
  final LongAdder duplicates = new LongAdder();
  /** Numbers seen after a higher number (by the same subscriber). */
  final LongAdder reordered = new LongAdder();
  /** Numbers outside {@code 1..expected}. */
  final LongAdder unexpected = new LongAdder();
  /** Subscribers that have seen every number. */
  final AtomicInteger complete = new AtomicInteger();
  /** {@code System.nanoTime()} of the first number seen by any subscriber, 0 before. */
  final AtomicLong firstAt = new AtomicLong();
  /** {@code System.nanoTime()} when the {@link #awaitComplete}-th subscriber completed, 0 before. */
  volatile long allCompleteAt;

  /**
   * Counts events {@code 1..events}; those up to {@code warmupEvents} are counted but not measured.
   *
   * @throws IllegalArgumentException unless {@code 0 <= warmupEvents < events}
   */
  void expect(long events, long warmupEvents) {
    if (events < 1 || warmupEvents < 0 || warmupEvents >= events) {
      throw new IllegalArgumentException("events " + events + ", warm-up " + warmupEvents
          + " (expected: events >= 1, 0 <= warm-up < events)");
    }
    warmup = warmupEvents;
    expected = events;
  }

  long expected() {
    return expected;
  }

  /** {@link #allCompleteAt} is set when {@code n} subscribers have completed. */
  void awaitComplete(int n) {
    subscribersToComplete = n;
    if (complete.get() >= n && allCompleteAt == 0) {
      allCompleteAt = System.nanoTime();
    }
  }

  /** Events {@code subscribers} should have seen and did not, given what they saw ({@link #distinct}). */
  long lost(long subscribers) {
    return expected * subscribers - distinct.sum();
  }

  /** One subscriber's view: which numbers it saw. */
  final class Subscriber {
    private long[] seen; // allocated at the first number: idle subscribers in other scenarios pay nothing
    private long highest;
    private long count;
    /** What the latest {@link #seq} returned: the current event's latency is to be measured. */
    private boolean measured = true;

    /** Whether the latest number's event is to be measured (see {@link #seq}); {@code true} before any. */
    boolean measured() {
      return measured;
    }

    /**
     * Counts number {@code s}.
     *
     * @return whether the event's latency is to be measured (past the warm-up, or nothing is being counted)
     */
    boolean seq(long s) {
      measured = count(s);
      return measured;
    }

    private boolean count(long s) {
      long e = expected;
      if (e == 0) {
        return true;
      }
      if (s < 1 || s > e) {
        unexpected.increment();
        return false;
      }
      if (seen == null) {
        seen = new long[(int) ((e + 63) >>> 6)];
        if (firstAt.get() == 0) {
          firstAt.compareAndSet(0, System.nanoTime());
        }
      }
      int word = (int) ((s - 1) >>> 6);
      long bit = 1L << ((s - 1) & 63);
      if ((seen[word] & bit) != 0) {
        duplicates.increment();
        return false;
      }
      seen[word] |= bit;
      distinct.increment();
      if (s < highest) {
        reordered.increment();
      } else {
        highest = s;
      }
      if (++count == e && complete.incrementAndGet() == subscribersToComplete) {
        allCompleteAt = System.nanoTime();
      }
      return s > warmup;
    }
  }
}
