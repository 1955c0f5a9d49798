package io.livepush;

/** A topic name that breaks the rules in {@link Topics#validate(String)}; answered with HTTP 400. */
public final class InvalidTopicException extends LivePushException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception, answered with HTTP 400.
   *
   * @param message the rule broken; it may reach the client and the log, so bound and neutralise any client input it quotes
   */
  public InvalidTopicException(String message) {
    super(message, 400);
  }
}
