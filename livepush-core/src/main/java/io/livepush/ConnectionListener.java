package io.livepush;

import java.util.Objects;

/**
 * Observes connections opening and closing.
 *
 * <h2>Threading: may block</h2>
 * Both callbacks run on the server's blocking executor ({@link LivePushServer.Builder#blockingExecutor}), one at
 * a time per connection and in order ({@code onClose} after {@code onOpen} returned), never holding up the
 * connection's event loop; a listener that implements {@link NonBlocking} (or is wrapped with
 * {@link #nonBlocking}) runs on the event loop instead, {@code onOpen} before the first event is written. When
 * the executor rejects a call it is logged and skipped. An exception thrown by a callback is logged and
 * otherwise ignored.
 */
public interface ConnectionListener {
  /**
   * Called once, after the connection is registered.
   *
   * @param connection the connection, with its request (headers and cookies included) and principal
   */
  default void onOpen(ConnectionInfo connection) {}

  /**
   * Called once, after the connection is closed and its subscriptions are removed.
   *
   * @param connection the connection; its request keeps headers only if
   *     {@link LivePushServer.Builder#retainRequestHeaders} is on
   * @param reason why it closed
   */
  default void onClose(ConnectionInfo connection, CloseReason reason) {}

  /**
   * A listener that never blocks, called directly on the event loop (see {@link NonBlocking}).
   *
   * @param listener a listener that returns quickly, without I/O
   * @return a wrapper that delegates to {@code listener} and is {@link NonBlocking}
   */
  static ConnectionListener nonBlocking(ConnectionListener listener) {
    Objects.requireNonNull(listener, "listener");
    final class Direct implements ConnectionListener, NonBlocking {
      @Override
      public void onOpen(ConnectionInfo connection) {
        listener.onOpen(connection);
      }

      @Override
      public void onClose(ConnectionInfo connection, CloseReason reason) {
        listener.onClose(connection, reason);
      }
    }
    return new Direct();
  }
}
