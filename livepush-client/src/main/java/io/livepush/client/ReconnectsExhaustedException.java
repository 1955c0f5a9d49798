package io.livepush.client;

/**
 * {@link LivePushClient.Builder#maxReconnectAttempts} consecutive attempts failed (none received anything from
 * the server). Terminal; {@link #getCause()} is the last attempt's failure.
 */
public final class ReconnectsExhaustedException extends LivePushClientException {
  private static final long serialVersionUID = 1L;
  /** Failed attempts in a row. */
  private final int attempts;

  /**
   * After {@code attempts} failed attempts, the last with {@code cause}.
   *
   * @param attempts the number of attempts, {@code >= 0}
   * @param cause the cause
   */
  public ReconnectsExhaustedException(int attempts, Throwable cause) {
    super("gave up after " + attempts + " failed reconnect attempt(s)", cause);
    this.attempts = attempts;
  }

  /**
   * How many reconnect attempts failed in a row.
   *
   * @return how many reconnect attempts failed in a row
   */
  public int attempts() {
    return attempts;
  }
}
