package io.livepush.websocket;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.Principal;
import io.livepush.RequestInfo;

/**
 * The application's handle on one livepush.v1 WebSocket connection, given to {@link WebSocketMessageHandler}.
 *
 * <p>Every method is safe from any thread and never blocks: writes hop to the connection's event loop. Sends
 * return {@code false} instead of queueing when the connection is closed or its outbound buffer is over the
 * server's {@code maxPendingOutboundBytes} (Netty's write-buffer high water mark), so a slow client cannot
 * grow server memory through replies.
 */
public interface WebSocketConnection {
  /**
   * {@return the core's connection id, unique within the server's life (as in
   * {@link io.livepush.ConnectionInfo#id()})}
   */
  long id();

  /** {@return the upgrade request (path, query, remote address; headers while the server retains them)} */
  RequestInfo request();

  /** {@return who the server's {@link io.livepush.Authenticator} said opened the connection} */
  Principal principal();

  /**
   * Sends {@code {"type":"reply","ref":ref,"data":data}}; {@code data} is serialised with the server's
   * mapper.
   *
   * @param ref the client message's {@link ClientMessage#ref()}, echoed so the client matches the reply; {@code null}
   *     sends JSON {@code null}
   * @param data any value the server's mapper serialises, {@code null} for JSON {@code null}
   * @return whether the reply was queued
   * @throws IllegalArgumentException if {@code data} cannot be serialised
   */
  boolean reply(String ref, Object data);

  /**
   * Sends {@code {"type":"ack","ref":ref}}: the message was handled and needs no data.
   *
   * @param ref the client message's {@link ClientMessage#ref()}
   * @return whether the ack was queued ({@code false} when closed or over the outbound budget)
   */
  boolean ack(String ref);

  /**
   * Publishes through the server, exactly like {@link io.livepush.LivePushServer#publish}. With a cluster bus
   * that waits for the bus: fine in a handler on the blocking executor (the default); a
   * {@link WebSocketMessageHandler#nonBlocking} or {@link WebSocketMessageHandler#async} handler, on the event
   * loop, uses {@link #publishAsync}.
   *
   * @param topic the topic name, per the grammar in {@link io.livepush.Topics}
   * @param event the event
   * @return the event's id
   * @throws IllegalStateException on an event loop when the server has a cluster bus
   */
  EventId publish(String topic, Event event);

  /**
   * Publishes without waiting, like {@link io.livepush.LivePushServer#publishAsync}: safe on the event loop
   * with or without a cluster bus.
   *
   * @param topic the topic name, per the grammar in {@link io.livepush.Topics}
   * @param event the event
   * @return a future of the event's id; with a bus it completes on a bus thread
   */
  java.util.concurrent.CompletableFuture<EventId> publishAsync(String topic, Event event);

  /**
   * Sends a close frame with {@code code} and {@code reason}, then closes (RFC 6455 §7.4). Later calls do
   * nothing.
   *
   * @param code the close code (RFC 6455 §7.4.1-2): 1000-1003, 1007-1014 or 3000-4999
   * @param reason the reason, at most 123 UTF-8 bytes; {@code null} for none
   * @throws InvalidCloseException if {@code code} may not be sent or {@code reason} is longer than 123 UTF-8
   *     bytes or has an unpaired surrogate (see {@link CloseCodes#validate})
   */
  void close(int code, String reason);

  /** {@return whether the connection is still open and not closing} */
  boolean isOpen();
}
