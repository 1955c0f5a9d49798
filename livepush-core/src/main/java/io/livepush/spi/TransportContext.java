package io.livepush.spi;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.CapacityExceededException;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushConfig;
import io.livepush.RequestInfo;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;

/** What the core offers a {@link Transport}; one instance per transport, valid for the server's life. */
public interface TransportContext {
  /** The server's configuration. */
  LivePushConfig config();

  /** The server's JSON mapper. */
  ObjectMapper objectMapper();

  /** A {@link RequestInfo} view of {@code request} as seen on {@code channel}. */
  RequestInfo requestInfo(Channel channel, FullHttpRequest request);

  /** Whether the server's {@link io.livepush.TopicAuthorizer} lets {@code request} follow {@code topic}. */
  boolean canSubscribe(RequestInfo request, String topic);

  /**
   * Registers {@code channel} as a streaming connection of this transport. Call on the channel's event loop,
   * after the response head (or upgrade) is written.
   *
   * @throws CapacityExceededException when the server holds {@code maxConnections} already
   */
  Session openSession(Channel channel, RequestInfo request);

  /**
   * Reserves a connection slot before the response head is written, so over-capacity requests are refused
   * with a status; the slot passes to the session {@link #openSession} creates, or is returned with
   * {@link #releaseAdmission()}.
   *
   * @throws CapacityExceededException when the server is full
   */
  void admit();

  /** Returns a slot taken by {@link #admit()} that no session took over. */
  void releaseAdmission();

  /** Publishes like {@link io.livepush.LivePushServer#publish}. */
  EventId publish(String topic, Event event);

  /**
   * Publishes without waiting; what handlers on an event loop must use when the server has a cluster bus
   * (there {@link #publish} throws). The default wraps {@link #publish}.
   */
  default java.util.concurrent.CompletableFuture<EventId> publishAsync(String topic, Event event) {
    return java.util.concurrent.CompletableFuture.completedFuture(publish(topic, event));
  }
}
