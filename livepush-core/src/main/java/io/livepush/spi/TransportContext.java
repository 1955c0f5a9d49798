package io.livepush.spi;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.CapacityExceededException;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.AuthenticationException;
import io.livepush.LivePushConfig;
import io.livepush.Presence;
import io.livepush.Principal;
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

  /**
   * Runs the server's {@link io.livepush.Authenticator} on {@code request}, before the stream starts or the
   * upgrade is answered, and remembers the principal for the session {@link #openSession} creates on
   * {@code channel}. SSE answers a refusal with its status (401 with {@code WWW-Authenticate} when given,
   * or 403); WebSocket answers it with the same status before the 101.
   *
   * @throws AuthenticationException when refused
   */
  default Principal authenticate(Channel channel, RequestInfo request) {
    return Principal.ANONYMOUS;
  }

  /** Whether {@code principal} may follow {@code topic} (the server's {@link io.livepush.TopicAuthorizer}). */
  default boolean canSubscribe(Principal principal, RequestInfo request, String topic) {
    return canSubscribe(request, topic);
  }

  /**
   * Whether {@code principal} may send client messages to {@code topic} (WebSocket {@code message}); refused
   * ones get an {@code error} with code {@code forbidden}.
   */
  default boolean canPublish(Principal principal, RequestInfo request, String topic) {
    return true;
  }

  /**
   * Like {@link #admit()}, and also applies the admission rate and the per-address limit to {@code channel}'s
   * peer. Prefer it; release with {@link #releaseAdmission(Channel)} if no session takes the slot over.
   *
   * @throws CapacityExceededException (503 + {@code Retry-After} on SSE, close 1013 on WebSocket)
   */
  default void admit(Channel channel) {
    admit();
  }

  /** Returns the slots {@link #admit(Channel)} took that no session took over. */
  default void releaseAdmission(Channel channel) {
    releaseAdmission();
  }

  /** The server's presence registry. */
  default Presence presence() {
    throw new UnsupportedOperationException("presence");
  }

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
