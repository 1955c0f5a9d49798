package io.livepush.client;

/** Where a {@link LivePushClient} is in its life; reported to {@link StateListener}s. */
public enum ClientState {
  /** Built, {@link LivePushClient#start()} not called yet. */
  IDLE,
  /** Opening the first connection. */
  CONNECTING,
  /**
   * Connected: the SSE response was accepted ({@code 200}, {@code text/event-stream}), or the WebSocket server
   * answered {@code subscribed}.
   */
  OPEN,
  /** The connection dropped; waiting out the backoff delay or opening the next connection. */
  RECONNECTING,
  /** Stopped for good, by {@link LivePushClient#close()} or by a terminal failure. No further callbacks. */
  CLOSED
}
