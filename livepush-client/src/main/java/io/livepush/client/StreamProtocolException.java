package io.livepush.client;

/**
 * The server sent something the protocol does not allow: a WebSocket text message that is not a livepush.v1
 * JSON object, or a {@code reset} without topic or reason. The connection is dropped and resumed from the last
 * position (a proxy or a partial write may be to blame); it reaches the caller as the cause of a
 * {@link ReconnectsExhaustedException} when it keeps happening.
 */
public final class StreamProtocolException extends LivePushClientException {
  private static final long serialVersionUID = 1L;

  /**
   * With a message.
   *
   * @param message the detail message
   */
  public StreamProtocolException(String message) {
    super(message);
  }

  /**
   * With a message and the parser's exception.
   *
   * @param message the detail message
   * @param cause the cause
   */
  public StreamProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
