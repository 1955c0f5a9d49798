package io.livepush.websocket;

/**
 * Receives the application messages ({@code {"type":"message",...}}) clients send over livepush.v1.
 *
 * <h2>Threading</h2>
 * By default {@link #onMessage} runs on the connection's Netty event loop: it must not block (no I/O, no locks
 * held long); hand slow work to your own executor and answer later through the {@link WebSocketConnection},
 * which is safe to use from any thread. With {@link WebSocketTransport.Builder#handlerExecutor} it runs on that
 * executor instead, one message at a time per connection and in arrival order; at most
 * {@link WebSocketTransport.Builder#maxPendingMessages} messages per connection may wait, a client that sends
 * more is closed with 1008.
 *
 * <p>A handler that throws closes the connection with 1011 (internal error).
 */
@FunctionalInterface
public interface WebSocketMessageHandler {
  /** Handles one message of {@code connection}. */
  void onMessage(WebSocketConnection connection, ClientMessage message);
}
