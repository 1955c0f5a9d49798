package io.livepush;

/**
 * A live connection, as listeners and hooks see it. Methods are safe from any thread; values reflect the
 * moment of the call.
 */
public interface ConnectionInfo {
  /** A process-unique id, increasing in connection order. */
  long id();

  /** The transport's name, for example {@code "sse"} or {@code "websocket"}. */
  String transport();

  /** The request that opened the connection. */
  RequestInfo request();

  /** Who the {@link Authenticator} said opened it; {@link Principal#ANONYMOUS} without an authenticator. */
  default Principal principal() {
    return Principal.ANONYMOUS;
  }
}
