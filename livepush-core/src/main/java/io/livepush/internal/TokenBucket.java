package io.livepush.internal;

import java.util.function.LongSupplier;

/**
 * A token bucket for connection admissions: {@code rate} tokens per second, at most {@code burst} saved up.
 * Lock-free enough for an accept path: one short synchronized section, no allocation.
 */
final class TokenBucket {
  private final double perNano;
  private final double burst;
  private final LongSupplier nanoClock;
  private double tokens;
  private long last;

  TokenBucket(double perSecond, int burst, LongSupplier nanoClock) {
    this.perNano = perSecond / 1e9;
    this.burst = burst;
    this.nanoClock = nanoClock;
    this.tokens = burst;
    this.last = nanoClock.getAsLong();
  }

  synchronized boolean tryTake() {
    long now = nanoClock.getAsLong();
    tokens = Math.min(burst, tokens + (now - last) * perNano);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
