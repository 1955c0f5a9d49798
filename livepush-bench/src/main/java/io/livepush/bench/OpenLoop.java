package io.livepush.bench;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/**
 * The open-loop publishing schedule every server under test uses: event {@code i} is due at
 * {@code start + i * period} and is handed its intended time even when it runs late, so a stalled server shows
 * up as latency instead of a lower rate (no coordinated omission). One implementation, so livepush and the
 * peers are measured on exactly the same schedule.
 */
final class OpenLoop {
  private OpenLoop() {}

  /** Calls {@code publish} with each intended time ({@link System#nanoTime()} scale) on the calling thread. */
  static void run(double rate, double seconds, LongConsumer publish) {
    long period = (long) (1e9 / rate);
    long n = (long) (rate * seconds);
    long start = System.nanoTime() + 1_000_000;
    for (long i = 0; i < n; i++) {
      long intended = start + i * period;
      long now;
      while ((now = System.nanoTime()) < intended) {
        LockSupport.parkNanos(intended - now);
      }
      publish.accept(intended);
    }
  }
}
