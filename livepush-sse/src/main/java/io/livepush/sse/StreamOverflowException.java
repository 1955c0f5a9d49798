package io.livepush.sse;

import io.livepush.LivePushException;

/**
 * A send found {@code maxPendingOutboundBytes} of earlier events still waiting for the client to read: the
 * caller is not waiting for its sends' stages. The event is not sent; the stream goes on. Chain sends (or use
 * {@link SseEmitter#sendAndWait} or {@link SseEmitter#subscriber()}) so at most one waits.
 */
public final class StreamOverflowException extends LivePushException {
  private static final long serialVersionUID = 1L;

  StreamOverflowException(long budget) {
    super("more than " + budget + " bytes of events are waiting for the client: wait for earlier sends");
  }
}
