package io.livepush.client;

/** The wire a {@link LivePushClient} reads from. All carry the same ids, so a position from one resumes another. */
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
  WEBSOCKET,
  /**
   * Long-polling (livepush's {@code LongPollTransport}, docs/protocol.md "Long-polling"): a {@code GET} with the
   * topics and the position as {@code lastEventId} is answered with a JSON batch and the position to poll from
   * next, for networks whose proxies buffer streams or block upgrades.
   */
  LONG_POLLING
}
