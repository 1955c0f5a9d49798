package io.livepush;

/**
 * A live connection, as listeners and hooks see it. Methods are safe from any thread; values reflect the
 * moment of the call.
 */
public interface ConnectionInfo {
  /**
   * A process-unique id, increasing in connection order.
   *
   * @return the id, &gt; 0
   */
  long id();

  /**
   * The transport's name, for example {@code "sse"} or {@code "websocket"}.
   *
   * @return the name; never {@code null}
   */
  String transport();

  /**
   * The request that opened the connection.
   *
   * @return the request; never {@code null}
   */
  RequestInfo request();

  /**
   * Who the {@link Authenticator} said opened it.
   *
   * @return the principal, {@link Principal#ANONYMOUS} without an authenticator; never {@code null}
   */
  default Principal principal() {
    return Principal.ANONYMOUS;
  }

  /**
   * Bytes written to this connection and not yet taken by the kernel (Netty's outbound buffer, flushed or
   * not), now. livepush keeps this under {@code maxPendingOutboundBytes} plus one event and one control frame;
   * see {@code docs/architecture.md}, "Buffers and bounds". {@code 0} when unknown.
   *
   * @return pending bytes now, &ge; 0
   */
  default long pendingOutboundBytes() {
    return 0;
  }

  /**
   * The largest {@link #pendingOutboundBytes()} this connection has had so far.
   *
   * @return the peak in bytes, &ge; 0; {@code 0} when unknown
   */
  default long peakPendingOutboundBytes() {
    return 0;
  }
}
