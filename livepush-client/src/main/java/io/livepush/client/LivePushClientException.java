package io.livepush.client;

/**
 * Why a {@link LivePushClient} stopped for good, or why a call failed. Subclasses name the bound or the answer
 * that caused it; transient failures (a dropped connection, a {@code 503}) are never thrown, they are retried.
 */
public class LivePushClientException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * With a message.
   *
   * @param message the detail message
   */
  public LivePushClientException(String message) {
    super(message);
  }

  /**
   * With a message and the cause.
   *
   * @param message the detail message
   * @param cause the cause
   */
  public LivePushClientException(String message, Throwable cause) {
    super(message, cause);
  }
}
