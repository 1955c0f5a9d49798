package io.livepush.client;

/**
 * An event (or a single SSE line) was larger than {@link LivePushClient.Builder#maxEventBytes}. Terminal: the
 * client closes, because reconnecting from the same position would meet the same event again. Raise the bound
 * or resume past it with {@link LivePushClient.Builder#from(String)}.
 */
public final class EventTooLargeException extends LivePushClientException {
  private static final long serialVersionUID = 1L;
  /** The bound exceeded, in bytes. */
  private final long limit;

  /**
   * {@code limit} is the bound in bytes that was exceeded.
   *
   * @param message the detail message
   * @param limit the bound in bytes
   */
  public EventTooLargeException(String message, long limit) {
    super(message);
    this.limit = limit;
  }

  /** {@return the bound in bytes that was exceeded} */
  public long limit() {
    return limit;
  }
}
