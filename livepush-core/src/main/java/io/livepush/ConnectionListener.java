package io.livepush;

/**
 * Observes connections opening and closing.
 *
 * <p><b>Threading:</b> both callbacks run on the connection's event loop and must not block; hand slow work to
 * an executor of your own. An exception thrown by a callback is logged and otherwise ignored.
 */
public interface ConnectionListener {
  /** Called once, after the connection is registered and before its first event is written. */
  default void onOpen(ConnectionInfo connection) {}

  /** Called once, after the connection is closed and its subscriptions are removed. */
  default void onClose(ConnectionInfo connection, CloseReason reason) {}
}
