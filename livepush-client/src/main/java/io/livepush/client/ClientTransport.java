package io.livepush.client;

/** The wire a {@link LivePushClient} reads from. Both carry the same ids, so a position from one resumes the other. */
public enum ClientTransport {
  /**
   * Server-sent events (WHATWG HTML §9.2): a {@code GET} answered with {@code text/event-stream}; the position
   * travels as {@code Last-Event-ID}.
   */
  SSE,
  /**
   * WebSocket (RFC 6455) with subprotocol {@code livepush.v1}: a {@code subscribe} message carries the topics and
   * the position as {@code from}.
   */
  WEBSOCKET
}
