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

  /**
   * Bytes written to this connection and not yet taken by the kernel (Netty's outbound buffer, flushed or
   * not), now. livepush keeps this under {@code maxPendingOutboundBytes} plus one event and one control frame;
   * see {@code docs/architecture.md}, "Buffers and bounds". {@code 0} when unknown.
   */
  default long pendingOutboundBytes() {
    return 0;
  }

  /** The largest {@link #pendingOutboundBytes()} this connection has had so far; {@code 0} when unknown. */
  default long peakPendingOutboundBytes() {
    return 0;
  }
}
