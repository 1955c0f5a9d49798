package io.livepush;

/** A resume id that is not a well-formed {@link EventId}; answered with HTTP 400 before any stream starts. */
public final class InvalidEventIdException extends LivePushException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception, answered with HTTP 400.
   *
   * @param message the rule broken; it may reach the client and the log, so bound and neutralise any client input it quotes
   */
  public InvalidEventIdException(String message) {
    super(message, 400);
  }
}
