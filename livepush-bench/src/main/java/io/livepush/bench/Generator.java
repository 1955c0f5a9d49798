package io.livepush.bench;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * What every load generator counts, whatever its subscribers speak ({@link LoadGen}: SSE, WebSocket, HTTP/2,
 * long-polling; {@link WtLoadGen}: WebTransport), so that scenarios and {@link ClusterGen} read either the same
 * way; and how a subscriber counts a payload's values ({@link #count}). Counters are safe from any thread.
 */
abstract class Generator implements AutoCloseable {
  /** Latency (ns) of live events while {@link #recording} is set. */
  public final Recorder latency = new Recorder(3);
  /** Events received (every {@code "t"} value seen). */
  public final LongAdder events = new LongAdder();
  /** Exactly-once accounting of the payloads' {@code "s"} numbers, when a run {@link Tally#expect expects} them. */
  final Tally tally = new Tally();
  /** Subscribers whose handshake completed (SSE 200 head, WebSocket first text frame, WebTransport subscribed). */
  public final AtomicInteger established = new AtomicInteger();
  /** Subscribers that closed after (or during) their handshake. */
  public final AtomicInteger closed = new AtomicInteger();
  /** Subscribers that failed before their handshake completed. */
  public final AtomicInteger failed = new AtomicInteger();
  /** Why the first failed subscriber failed, for the report. */
  public volatile String firstFailure;
  /** Latencies are recorded while set. */
  public volatile boolean recording;

  /** Records why a subscriber failed before its handshake, and counts it. */
  void failure(String why) {
    if (firstFailure == null) {
      firstFailure = why;
    }
    failed.incrementAndGet();
  }

  /**
   * Counts one value of a subscriber's payload, read at {@code now} ({@code System.nanoTime()}): {@code "t"} (the
   * intended publish time) into {@link #events} and {@link #latency}, unless the event's {@code "s"}, which comes
   * before it in every payload, was not to be measured ({@link Tally.Subscriber#seq}); {@code "s"} into the
   * subscriber's {@code counted}. On the subscriber's event loop.
   */
  final void count(Tally.Subscriber counted, byte key, long value, long now) {
    if (key == 't') {
      events.increment();
      if (recording && counted.measured()) {
        latency.recordValue(Math.max(0, now - value));
      }
    } else {
      counted.seq(value);
    }
  }

  /** Closes every subscriber and stops the generator's event loops (when it owns them). */
  @Override
  public abstract void close();
}
