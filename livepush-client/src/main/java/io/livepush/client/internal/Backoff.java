package io.livepush.client.internal;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.function.DoubleSupplier;

/** Reconnect delays: exponential backoff with full jitter, the server's {@code retry} and {@code Retry-After}. */
public final class Backoff {
  private Backoff() {}

  /**
   * The wait before reconnect attempt {@code attempt} (0 for the first): uniform in
   * {@code [0, min(max, base × 2^attempt))}, plus {@code min(retryAfter, max)} when the server sent
   * {@code Retry-After}.
   *
   * @param baseMillis the server's {@code retry} when it sent one, else the configured minimum delay
   * @param retryAfterMillis the server's {@code Retry-After}, or {@code -1}
   */
  public static long delayMillis(int attempt, long baseMillis, long maxMillis, long retryAfterMillis,
      DoubleSupplier random) {
    long base = Math.min(Math.max(baseMillis, 1), maxMillis);
    long ceiling = attempt >= 62 || base > (maxMillis >> Math.min(attempt, 62)) ? maxMillis : base << attempt;
    ceiling = Math.min(ceiling, maxMillis);
    double r = random.getAsDouble();
    long jitter = (long) (Math.min(Math.max(r, 0), 1) * ceiling);
    jitter = Math.min(jitter, ceiling - 1);
    return retryAfterMillis < 0 ? Math.max(jitter, 0) : Math.min(retryAfterMillis, maxMillis) + Math.max(jitter, 0);
  }

  /**
   * {@code Retry-After} (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) in milliseconds, or {@code -1} when
   * absent or malformed.
   */
  public static long retryAfterMillis(HttpHeaders headers) {
    String v = headers.firstValue("retry-after").orElse(null);
    if (v == null) {
      return -1;
    }
    v = v.trim();
    if (!v.isEmpty() && v.length() <= 10 && v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return Long.parseLong(v) * 1000;
    }
    try {
      long ms = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME))
          .toMillis();
      return Math.max(ms, 0);
    } catch (DateTimeParseException e) {
      return -1;
    }
  }
}
