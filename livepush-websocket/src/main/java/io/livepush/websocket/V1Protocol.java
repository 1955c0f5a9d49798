package io.livepush.websocket;

import io.livepush.spi.TransportContext;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The per-transport part of livepush.v1, shared by every connection of one transport: the context, the
 * application's message handler and the stateless logic of {@link V1Requests} (what a message asks for) and
 * {@link V1Inbox} (when it is handled). The per-connection state lives in the connection's {@link V1Session}, so
 * an idle connection costs one handler object (issue 18).
 *
 * <p>For transport authors, not for applications. Immutable; safe from any thread.
 */
public final class V1Protocol {
  final TransportContext context;
  final V1Inbox inbox;

  /**
   * Creates the protocol of one transport; call once the transport has its context.
   *
   * @param context the transport's context (mapper, configuration, authorizer, executors)
   * @param handler the application's message handler, or {@code null} to answer {@code message} with
   *     {@code unsupported}
   * @param handlerExecutor where blocking handlers run, or {@code null} for the server's blocking executor
   * @param maxPendingMessages most messages per connection waiting for a callback, the one in flight included; at
   *     least 1
   * @throws IllegalArgumentException if {@code maxPendingMessages} is below 1
   * @throws NullPointerException if {@code context} is {@code null}
   */
  public V1Protocol(TransportContext context, WebSocketMessageHandler handler, Executor handlerExecutor,
      int maxPendingMessages) {
    if (maxPendingMessages < 1) {
      throw new IllegalArgumentException("maxPendingMessages: " + maxPendingMessages + " (expected: >= 1)");
    }
    this.context = Objects.requireNonNull(context, "context");
    this.inbox = new V1Inbox(new V1Requests(context, handler, handlerExecutor), maxPendingMessages);
  }
}
