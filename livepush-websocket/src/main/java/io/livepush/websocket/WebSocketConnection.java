package io.livepush.websocket;

import io.livepush.Event;
import io.livepush.EventId;
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
  /** The core's connection id. */
  long id();

  /** The upgrade request (path, query, headers, remote address). */
  RequestInfo request();

  /**
   * Sends {@code {"type":"reply","ref":ref,"data":data}}; {@code data} is serialised with the server's
   * mapper.
   *
   * @return whether the reply was queued
   * @throws IllegalArgumentException if {@code data} cannot be serialised
   */
  boolean reply(String ref, Object data);

  /** Sends {@code {"type":"ack","ref":ref}}; returns whether it was queued. */
  boolean ack(String ref);

  /**
   * Publishes through the server, exactly like {@link io.livepush.LivePushServer#publish}. With a cluster bus
   * that waits for the bus, so on an event loop (a handler not given an executor) use {@link #publishAsync}.
   */
  EventId publish(String topic, Event event);

  /**
   * Publishes without waiting, like {@link io.livepush.LivePushServer#publishAsync}: safe on the event loop
   * with or without a cluster bus.
   */
  java.util.concurrent.CompletableFuture<EventId> publishAsync(String topic, Event event);

  /**
   * Sends a close frame with {@code code} and {@code reason}, then closes (RFC 6455 §7.4). Later calls do
   * nothing.
   *
   * @throws InvalidCloseException if {@code code} may not be sent or {@code reason} is longer than 123 UTF-8
   *     bytes or has an unpaired surrogate (see {@link CloseCodes#validate})
   */
  void close(int code, String reason);

  /** Whether the connection is still open and not closing. */
  boolean isOpen();
}
