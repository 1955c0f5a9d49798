package io.livepush.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition that other threads make true (a gauge, a counter, a member list): polls it every 5 ms
 * until it holds or the timeout passes, then fails saying what was awaited. A condition, never a duration: a fast
 * machine passes at once, a slow one waits longer.
 */
public final class Await {
  private Await() {}

  /**
   * Returns once {@code condition} holds.
   *
   * @param what what is awaited, for the failure message
   * @param timeout how long at most
   * @param condition read from this thread; must be cheap and must not block
   * @throws AssertionError if it did not hold within {@code timeout}
   * @throws InterruptedException if interrupted while waiting
   */
  public static void until(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(5); // polling a condition fed by other threads, bounded by the deadline above
    }
  }
}
