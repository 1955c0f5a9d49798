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
    run(System.nanoTime() + 1_000_000, (long) (1e9 / rate), 0, 1, (long) (rate * seconds),
        (i, intended) -> publish.accept(intended));
  }

  /** Publishes event {@code i} of a shared schedule, due at {@code intended}. */
  interface Indexed {
    void publish(long i, long intended);
  }

  /**
   * One publisher's part of a schedule shared by several processes (the cluster run's nodes publish in turn):
   * events {@code i = first, first + stride, ...} below {@code count}, due at {@code start + i * period}. All
   * processes on one host read {@code System.nanoTime()} from {@code CLOCK_MONOTONIC} on Linux, so one
   * {@code start} lines their turns up.
   */
  static void run(long start, long period, long first, long stride, long count, Indexed publish) {
    for (long i = first; i < count; i += stride) {
      long intended = start + i * period;
      long now;
      while ((now = System.nanoTime()) < intended) {
        LockSupport.parkNanos(intended - now);
      }
      publish.publish(i, intended);
    }
  }
}
