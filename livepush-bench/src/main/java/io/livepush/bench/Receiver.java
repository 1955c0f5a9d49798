package io.livepush.bench;

import io.netty.util.ByteProcessor;
import java.util.concurrent.CountDownLatch;

/**
 * What one subscriber of the generator sees, whatever carries it (an HTTP/1.1 connection, one HTTP/2 stream, a
 * chain of long-polls): feeds payload bytes to its {@link ValueScanner}, records the latency of each {@code "t"}
 * value and notices when the subscriber has caught up to {@link LoadGen#targetSeq}, counts each {@code "s"} into
 * the generator's {@link Tally}, and counts the handshake, failure and close into the generator's counters. One
 * per subscriber, used on its channel's event loop only.
 */
final class Receiver implements ValueScanner.Sink, ByteProcessor {
  private final LoadGen gen;
  private final ValueScanner scanner = new ValueScanner();
  private final Tally.Subscriber counted;
  private CountDownLatch latch;
  private boolean handshaken;
  private boolean caught;
  /** {@code System.nanoTime()} of the read being scanned: set once per read, not per event. */
  long now;

  Receiver(LoadGen gen, CountDownLatch latch) {
    this.gen = gen;
    this.latch = latch;
    this.counted = gen.tally.new Subscriber();
  }

  boolean handshaken() {
    return handshaken;
  }

  /** The subscriber is established (SSE 200 head, WebSocket's first text message, a held poll). */
  void handshakeDone() {
    if (!handshaken) {
      handshaken = true;
      gen.established.incrementAndGet();
      countDown();
    }
  }

  /** The subscriber ended: a close after the handshake, or a failure (with its reason) before it. */
  void ended(String whyIfNotHandshaken) {
    if (handshaken) {
      gen.closed.incrementAndGet();
    } else {
      gen.failure(whyIfNotHandshaken);
      countDown();
    }
  }

  private void countDown() {
    CountDownLatch l = latch;
    if (l != null) {
      latch = null;
      l.countDown();
    }
  }

  /** A message ended: also ends a number at its very end. */
  void endMessage() {
    scanner.feed((byte) ' ', this);
  }

  @Override
  public boolean process(byte b) {
    scanner.feed(b, this);
    return true;
  }

  @Override
  public void value(byte key, long value) {
    gen.count(counted, key, value, now);
    if (key != 't' && !caught && value >= gen.targetSeq) {
      caught = true;
      gen.caughtUp();
    }
  }
}
