package io.livepush.client;

/**
 * The WebSocket server closed the connection. Terminal when reconnecting would repeat the failure (RFC 6455 §7.4.1:
 * {@code 1002} protocol error, {@code 1003} unacceptable data, {@code 1007} invalid payload, {@code 1009} too big,
 * {@code 1010} missing extension: {@link #retryable()} is {@code false}). Other codes ({@code 1000}, {@code 1001},
 * {@code 1008} slow consumer, {@code 1011}, {@code 1013}, ...) are retried from the last position and reach the
 * caller only through {@link StateListener}s or as the cause of a {@link ReconnectsExhaustedException}.
 */
public final class ServerClosedException extends LivePushClientException {
  private static final long serialVersionUID = 1L;
  /** The close code. */
  private final int code;

  /**
   * For close {@code code} with the server's {@code reason}.
   *
   * @param code the code
   * @param reason the reason
   */
  public ServerClosedException(int code, String reason) {
    super("server closed the WebSocket with " + code + (reason == null || reason.isEmpty() ? "" : " " + reason));
    this.code = code;
  }

  /**
   * Whether reconnecting may help: every code but 1002, 1003, 1007, 1009 and 1010.
   *
   * @return whether reconnecting may help: every code but 1002, 1003, 1007, 1009 and 1010
   */
  public boolean retryable() {
    return code != 1002 && code != 1003 && code != 1007 && code != 1009 && code != 1010;
  }

  /**
   * The close code (RFC 6455 §7.4).
   *
   * @return the close code (RFC 6455 §7.4)
   */
  public int code() {
    return code;
  }
}
