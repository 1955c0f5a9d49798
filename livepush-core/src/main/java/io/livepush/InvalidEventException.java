package io.livepush;

/**
 * An event livepush refuses to publish: a type with CR, LF or NUL (they would inject SSE fields), a reserved
 * type, or a payload over the configured size limit.
 */
public final class InvalidEventException extends LivePushException {
  private static final long serialVersionUID = 1L;

  public InvalidEventException(String message) {
    super(message, 400);
  }
}
