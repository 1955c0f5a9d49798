package io.livepush.websocket;

import io.livepush.NonBlocking;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;

/**
 * Receives the application messages ({@code {"type":"message",...}}) clients send over livepush.v1.
 *
 * <h2>Threading: may block, one message at a time</h2>
 * {@link #onMessage(WebSocketConnection, ClientMessage)} runs on the server's blocking executor
 * ({@link io.livepush.LivePushServer.Builder#blockingExecutor}, or {@link WebSocketTransport.Builder#handlerExecutor}
 * when set), so it may call a database or {@link WebSocketConnection#publish} (which waits for a cluster bus).
 * A connection's messages, its subscribes included, are handled one at a time and in arrival order: the next
 * waits until the handler returned (or its stage completed, for {@link #async} handlers). At most
 * {@link WebSocketTransport.Builder#maxPendingMessages} messages per connection may wait; a client that sends
 * more is closed with 1008, and one whose message the executor rejects (full) with 1013.
 * {@link #nonBlocking} handlers run on the connection's event loop and must not block.
 *
 * <p>A handler that throws (or whose stage fails) closes the connection with 1011 (internal error).
 */
@FunctionalInterface
public interface WebSocketMessageHandler {
  /**
   * Handles one message of {@code connection}; may block.
   *
   * @param connection the sending connection; its methods are safe from this thread
   * @param message the message, immutable
   */
  void onMessage(WebSocketConnection connection, ClientMessage message);

  /**
   * How livepush calls this handler: on the connection's event loop, with the executor where blocking is
   * allowed (a direct one for {@link NonBlocking} handlers). The connection's next message waits for the
   * stage, which may complete on any thread.
   *
   * @param connection the sending connection
   * @param message the message
   * @param blocking where {@link #onMessage(WebSocketConnection, ClientMessage)} may run; a direct executor for
   *     {@link NonBlocking} handlers
   * @return a stage completed when the message is handled; an exceptional one closes the connection with 1011
   */
  default CompletionStage<?> onMessage(WebSocketConnection connection, ClientMessage message, Executor blocking) {
    return CompletableFuture.runAsync(() -> onMessage(connection, message), blocking);
  }

  /**
   * An asynchronous handler: {@code handler} is called on the event loop and must not block; the connection's
   * next message waits for the stage it returns.
   *
   * @param handler returns a stage completed when the message is handled; called on the event loop, must not block
   * @return a {@link NonBlocking} handler that hands {@code handler}'s stage to livepush unchanged
   */
  static WebSocketMessageHandler async(
      BiFunction<? super WebSocketConnection, ? super ClientMessage, ? extends CompletionStage<?>> handler) {
    Objects.requireNonNull(handler, "handler");
    final class Async implements WebSocketMessageHandler, NonBlocking {
      @Override
      public void onMessage(WebSocketConnection connection, ClientMessage message) {
        handler.apply(connection, message).toCompletableFuture().join();
      }

      @Override
      public CompletionStage<?> onMessage(WebSocketConnection connection, ClientMessage message,
          Executor blocking) {
        return handler.apply(connection, message);
      }
    }
    return new Async();
  }

  /**
   * A handler that never blocks, called directly on the event loop (see {@link NonBlocking}).
   *
   * @param handler a handler that returns quickly, without I/O
   * @return a wrapper that delegates to {@code handler} and is {@link NonBlocking}
   */
  static WebSocketMessageHandler nonBlocking(WebSocketMessageHandler handler) {
    Objects.requireNonNull(handler, "handler");
    final class Direct implements WebSocketMessageHandler, NonBlocking {
      @Override
      public void onMessage(WebSocketConnection connection, ClientMessage message) {
        handler.onMessage(connection, message);
      }
    }
    return new Direct();
  }
}
