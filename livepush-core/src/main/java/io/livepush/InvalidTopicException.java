package io.livepush;

/** A topic name that breaks the rules in {@link Topics#validate(String)}; answered with HTTP 400. */
public final class InvalidTopicException extends LivePushException {
  private static final long serialVersionUID = 1L;

  public InvalidTopicException(String message) {
    super(message, 400);
  }
}
