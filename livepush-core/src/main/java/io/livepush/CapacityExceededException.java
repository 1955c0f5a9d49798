package io.livepush;

/**
 * The server is at a connection limit. SSE answers it with {@code 503 Service Unavailable} and
 * {@code Retry-After}; WebSocket with close code 1013 "Try Again Later" (RFC 6455 §7.4.1, IANA registry).
 */
public final class CapacityExceededException extends LivePushException {
  private static final long serialVersionUID = 1L;
  private final int retryAfterSeconds;

  public CapacityExceededException(String message, int retryAfterSeconds) {
    super(message, 503);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Seconds the client is asked to wait before trying again. */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
