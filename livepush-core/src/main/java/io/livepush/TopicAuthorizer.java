package io.livepush;

/**
 * Decides whether a connection may follow a topic. A refusal is answered with HTTP 403 before an SSE stream
 * starts, and with an error message on WebSocket.
 *
 * <p><b>Threading:</b> runs on the connection's event loop and must not block (decide from the request and
 * state you already hold).
 */
@FunctionalInterface
public interface TopicAuthorizer {
  /** Allows every subscription. */
  TopicAuthorizer ALLOW_ALL = (request, topic) -> true;

  /** Whether the connection opened by {@code request} may subscribe to {@code topic}. */
  boolean canSubscribe(RequestInfo request, String topic);
}
