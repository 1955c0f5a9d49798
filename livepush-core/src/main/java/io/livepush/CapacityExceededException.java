package io.livepush;

/**
 * The server is at a connection limit. SSE answers it with {@code 503 Service Unavailable} and
 * {@code Retry-After}; WebSocket with close code 1013 "Try Again Later" (RFC 6455 §7.4.1, IANA registry).
 */
public final class CapacityExceededException extends LivePushException {
  private static final long serialVersionUID = 1L;
  /** Seconds for {@code Retry-After}. */
  private final int retryAfterSeconds;

  /**
   * The server is at a connection limit.
   *
   * @param message which limit, sent to the client; keep secrets out of it
   * @param retryAfterSeconds seconds the client is asked to wait, &ge; 0 (sent as {@code Retry-After})
   */
  public CapacityExceededException(String message, int retryAfterSeconds) {
    super(message, 503);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /**
   * Seconds the client is asked to wait before trying again.
   *
   * @return the {@code Retry-After} value in seconds, as given to the constructor
   */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
