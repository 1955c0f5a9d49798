package io.livepush.client;

/**
 * The server answered the SSE request or the WebSocket handshake with something other than a stream: a status
 * other than {@code 200}/{@code 101}, or (SSE) a {@code Content-Type} other than {@code text/event-stream}.
 *
 * <p>{@code 408}, {@code 429} and {@code 5xx} are retried (honouring {@code Retry-After}) and reach the caller only
 * as the cause of a {@link ReconnectsExhaustedException}; any other status, such as {@code 400} (malformed
 * position), {@code 401}/{@code 403} (authentication) or {@code 404}, is terminal, like WHATWG HTML §9.2.3's
 * "fail the connection", because retrying would repeat it.
 */
public final class UnexpectedResponseException extends LivePushClientException {
  private static final long serialVersionUID = 1L;
  /** The HTTP status. */
  private final int status;

  /**
   * For {@code status} (or {@code 200} with a wrong content type).
   *
   * @param status the HTTP status
   * @param message the detail message
   */
  public UnexpectedResponseException(int status, String message) {
    super(message);
    this.status = status;
  }

  /**
   * The HTTP status received.
   *
   * @return the HTTP status received
   */
  public int status() {
    return status;
  }

  /**
   * Whether this answer is worth retrying: {@code 408}, {@code 429} or {@code 5xx}.
   *
   * @return whether this answer is worth retrying: {@code 408}, {@code 429} or {@code 5xx}
   */
  public boolean retryable() {
    return status == 408 || status == 429 || status >= 500;
  }
}
