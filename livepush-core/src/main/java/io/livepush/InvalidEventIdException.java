package io.livepush;

/** A resume id that is not a well-formed {@link EventId}; answered with HTTP 400 before any stream starts. */
public final class InvalidEventIdException extends LivePushException {
  private static final long serialVersionUID = 1L;

  public InvalidEventIdException(String message) {
    super(message, 400);
  }
}
