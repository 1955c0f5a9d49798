package io.livepush.sse;

import io.livepush.CloseReason;
import io.livepush.LivePushException;

/**
 * A one-off stream ended before an event could be written: the client went away ({@link CloseReason#CLIENT_CLOSED}),
 * the server is stopping, the stream {@link SseEmitter#complete() completed}, and so on. Every send waiting when
 * the stream closes fails with it, and so does every later send.
 */
public final class StreamClosedException extends LivePushException {
  private static final long serialVersionUID = 1L;
  private final transient CloseReason reason;

  StreamClosedException(CloseReason reason) {
    super("stream closed: " + reason.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
    this.reason = reason;
  }

  /**
   * Why the stream ended.
   *
   * @return the reason, for example {@link CloseReason#COMPLETED} after {@link SseEmitter#complete()}; never
   *     {@code null}
   */
  public CloseReason reason() {
    return reason;
  }
}
