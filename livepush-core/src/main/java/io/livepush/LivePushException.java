package io.livepush;

/**
 * Base of every exception livepush throws on purpose. Subclasses say what was wrong and, where a peer is
 * involved, carry the HTTP status ({@link #httpStatus()}) that answers it.
 */
public class LivePushException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  /** The HTTP status that answers the request that caused this exception. */
  private final int httpStatus;

  /**
   * An exception answered with {@code 500 Internal Server Error}.
   *
   * @param message what went wrong; may reach the client, so keep secrets out of it
   */
  public LivePushException(String message) {
    this(message, 500);
  }

  /**
   * An exception answered with {@code httpStatus}.
   *
   * @param message what went wrong; may reach the client, so keep secrets out of it
   * @param httpStatus the HTTP status code that answers it, 400..599
   */
  public LivePushException(String message, int httpStatus) {
    super(message);
    this.httpStatus = httpStatus;
  }

  /**
   * An exception answered with {@code httpStatus}, with its cause.
   *
   * @param message what went wrong; may reach the client, so keep secrets out of it
   * @param httpStatus the HTTP status code that answers it, 400..599
   * @param cause the underlying error, or {@code null}; never sent to the client
   */
  public LivePushException(String message, int httpStatus, Throwable cause) {
    super(message, cause);
    this.httpStatus = httpStatus;
  }

  /**
   * The HTTP status a request that caused this exception is answered with (RFC 9110 §15).
   *
   * @return the status code, normally 400..599
   */
  public int httpStatus() {
    return httpStatus;
  }
}
