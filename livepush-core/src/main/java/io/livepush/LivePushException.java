package io.livepush;

/**
 * Base of every exception livepush throws on purpose. Subclasses say what was wrong and, where a peer is
 * involved, carry the HTTP status ({@link #httpStatus()}) that answers it.
 */
public class LivePushException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int httpStatus;

  public LivePushException(String message) {
    this(message, 500);
  }

  public LivePushException(String message, int httpStatus) {
    super(message);
    this.httpStatus = httpStatus;
  }

  public LivePushException(String message, int httpStatus, Throwable cause) {
    super(message, cause);
    this.httpStatus = httpStatus;
  }

  /** The HTTP status a request that caused this exception is answered with (RFC 9110 §15). */
  public int httpStatus() {
    return httpStatus;
  }
}
