package io.livepush;

/**
 * An event livepush refuses to publish: a type with CR, LF or NUL (they would inject SSE fields), a reserved
 * type, or a payload over the configured size limit.
 */
public final class InvalidEventException extends LivePushException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception, answered with HTTP 400.
   *
   * @param message the rule broken; it may reach the client and the log, so bound and neutralise any client input it quotes
   */
  public InvalidEventException(String message) {
    super(message, 400);
  }
}
