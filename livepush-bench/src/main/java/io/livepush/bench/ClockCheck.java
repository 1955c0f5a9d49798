package io.livepush.bench;

import java.util.Locale;

/**
 * Proves that a server's stamp clock (the clock its publisher writes into each payload's {@code "t"}) has the
 * same base as this JVM's {@link System#nanoTime()}, the clock the generator reads at receive; latency is the
 * difference of the two, so a different base would be a constant error. The generator reads its own clock,
 * asks the server's {@code /bench/clock}, and reads its own again: the server's reading must lie between the two.
 * Of {@code rounds} such brackets the tightest one gives the offset (server minus the bracket's midpoint) and its
 * bound (half the bracket); the check fails when {@code |offset|} exceeds the bound by more than the tolerance.
 *
 * <p>Expected results: livepush and the stock Netty peer stamp with {@code System.nanoTime()} ({@code
 * CLOCK_MONOTONIC} on Linux), Node with {@code process.hrtime} (the same clock), Bun with
 * {@code clock_gettime(CLOCK_MONOTONIC)} through {@code bun:ffi} (its own {@code process.hrtime} counts from the
 * process start, which this check catches).
 */
final class ClockCheck {
  private ClockCheck() {}

  /** The tightest bracket: {@code offset} (ns, server minus generator) within {@code ± bound} ns. */
  record Result(long offsetNanos, long boundNanos) {
    boolean agrees(long toleranceNanos) {
      return Math.abs(offsetNanos) <= boundNanos + toleranceNanos;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "offset %.3f ms ± %.3f ms", offsetNanos / 1e6, boundNanos / 1e6);
    }
  }

  static Result measure(String target, int rounds) {
    Result best = null;
    for (int i = 0; i < rounds; i++) {
      long before = System.nanoTime();
      long server = Long.parseLong(Proc.get(target, "/bench/clock"));
      long after = System.nanoTime();
      long bound = (after - before + 1) / 2;
      Result r = new Result(server - (before + (after - before) / 2), bound);
      if (best == null || r.boundNanos < best.boundNanos) {
        best = r;
      }
    }
    return best;
  }

  /**
   * Measures, prints one line, and throws when the server's clock does not agree with this one.
   *
   * @throws IllegalStateException when {@code |offset| > bound + toleranceMs}
   */
  static Result require(String target, String label, double toleranceMs) {
    Result r = measure(target, 20);
    boolean ok = r.agrees((long) (toleranceMs * 1e6));
    System.out.printf(Locale.ROOT, "clock %s: server stamp clock vs generator System.nanoTime(): %s (best of 20) "
        + "-> %s%n", label, r, ok ? "same base" : "DIFFERENT BASE");
    if (!ok) {
      throw new IllegalStateException("clock check failed for " + label + ": " + r + ", tolerance " + toleranceMs
          + " ms: latency would be off by the offset; the server must stamp with CLOCK_MONOTONIC");
    }
    return r;
  }
}
