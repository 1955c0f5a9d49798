package io.livepush.testing;

import java.lang.management.ManagementFactory;

/** Heap measurements for tests that check memory returns to its baseline (tolerant bounds, never timings). */
public final class Heap {
  private Heap() {}

  /** The smallest heap use seen over three full GCs, in bytes: what is still reachable, give or take. */
  public static long usedAfterGc() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
