package io.livepush.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Throttles credential guessing: each client address has a bucket of {@code burst} failed authentications that
 * refills at {@code perMinute}; while an address's bucket is empty its requests are refused (429 + Retry-After)
 * without calling the authenticator. Successful authentications cost nothing.
 *
 * <h2>Bound</h2>
 * At most {@value #MAX_ADDRESSES} addresses are tracked. When the table is full, addresses whose bucket has
 * refilled are dropped; if it is still full, failures of new addresses are not tracked (fail open: a flood of
 * source addresses cannot make the server refuse everyone). Thread-safe: called from every event loop.
 */
public final class AuthFailureThrottle {
  /** Largest number of addresses tracked at once. */
  public static final int MAX_ADDRESSES = 100_000;

  private final double perNano;
  private final int burst;
  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<InetAddress, Bucket> buckets = new ConcurrentHashMap<>();

  /** {@code perMinute} must be positive. */
  public AuthFailureThrottle(int perMinute, int burst, LongSupplier nanoClock) {
    this.perNano = perMinute / 60e9;
    this.burst = burst;
    this.nanoClock = nanoClock;
  }

  /**
   * Seconds {@code remote} must wait before it may try again, or {@code 0} if it may authenticate now. Does not
   * take a token: only failures do ({@link #failed}).
   */
  public int retryAfterSeconds(SocketAddress remote) {
    InetAddress a = address(remote);
    Bucket b = a == null ? null : buckets.get(a);
    if (b == null) {
      return 0;
    }
    double missing = b.missing(nanoClock.getAsLong(), perNano, burst);
    return missing <= 0 ? 0 : (int) Math.ceil(missing / perNano / 1e9);
  }

  /** Records one failed authentication from {@code remote}. */
  public void failed(SocketAddress remote) {
    InetAddress a = address(remote);
    if (a == null) {
      return;
    }
    Bucket b = buckets.get(a);
    if (b == null) {
      if (buckets.size() >= MAX_ADDRESSES) {
        prune();
        if (buckets.size() >= MAX_ADDRESSES) {
          return;
        }
      }
      b = buckets.computeIfAbsent(a, x -> new Bucket(burst, nanoClock.getAsLong()));
    }
    b.take(nanoClock.getAsLong(), perNano, burst);
  }

  /** Addresses currently tracked (for tests and stats). */
  public int trackedAddresses() {
    return buckets.size();
  }

  private void prune() {
    long now = nanoClock.getAsLong();
    buckets.entrySet().removeIf(e -> e.getValue().isFull(now, perNano, burst));
  }

  private static InetAddress address(SocketAddress remote) {
    return remote instanceof InetSocketAddress isa ? isa.getAddress() : null;
  }

  private static final class Bucket {
    private double tokens;
    private long last;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.last = now;
    }

    private void refill(long now, double perNano, int burst) {
      tokens = Math.min(burst, tokens + (now - last) * perNano);
      last = now;
    }

    /** Tokens short of one available token (positive: must wait). */
    synchronized double missing(long now, double perNano, int burst) {
      refill(now, perNano, burst);
      return 1 - tokens;
    }

    synchronized void take(long now, double perNano, int burst) {
      refill(now, perNano, burst);
      tokens = Math.max(0, tokens - 1);
    }

    synchronized boolean isFull(long now, double perNano, int burst) {
      refill(now, perNano, burst);
      return tokens >= burst;
    }
  }
}
