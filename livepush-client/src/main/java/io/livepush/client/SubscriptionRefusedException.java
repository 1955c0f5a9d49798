package io.livepush.client;

/**
 * The WebSocket server answered the {@code subscribe} with an {@code error} ({@code forbidden},
 * {@code too-many-topics}, {@code bad-request}, ...: docs/protocol.md). Terminal: the same request would be refused
 * again.
 */
public final class SubscriptionRefusedException extends LivePushClientException {
  private static final long serialVersionUID = 1L;
  /** The server's error code. */
  private final String code;

  /**
   * With the server's error {@code code} and {@code message}.
   *
   * @param code the code
   * @param message the detail message
   */
  public SubscriptionRefusedException(String code, String message) {
    super("subscribe refused: " + code + (message == null ? "" : " (" + message + ")"));
    this.code = code;
  }

  /**
   * The server's error code, e.g. {@code forbidden}.
   *
   * @return the server's error code, e.g. {@code forbidden}
   */
  public String code() {
    return code;
  }
}
