package io.livepush.spi;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.AuthenticationException;
import io.livepush.CapacityExceededException;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushConfig;
import io.livepush.LivePushException;
import io.livepush.Presence;
import io.livepush.Principal;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the core offers a {@link Transport}; one instance per transport, valid for the server's life.
 *
 * <h2>Admission</h2>
 * Every request a transport turns into a stream passes {@link #admit} once: <b>authenticate</b> (the server's
 * {@link io.livepush.Authenticator}) → <b>admit</b> (admission rate, total and per-address connection limits) →
 * <b>authorize</b> the topics the request names (the {@link io.livepush.TopicAuthorizer}) → an
 * {@link AdmittedRequest}, the only way to open a {@link Session}. Transports speak their wire format around it:
 * they check their own protocol rules before, and answer the stage's refusal in their own way after.
 */
public interface TransportContext {
  /**
   * The server's configuration.
   *
   * @return the server's validated configuration
   */
  LivePushConfig config();

  /**
   * The server's JSON mapper.
   *
   * @return the server's JSON mapper, thread-safe; the one in {@link LivePushConfig#objectMapper()}
   */
  ObjectMapper objectMapper();

  /**
   * Runs the admission stage for {@code request} on {@code channel}. Call on the channel's event loop; the
   * stage completes on that loop, either with an {@link AdmittedRequest} or exceptionally with (unwrapped):
   * <ul>
   *   <li>{@link AuthenticationException} 401 (with its challenge) or 403: refused by the authenticator, or a
   *       topic refused by the authorizer (403);</li>
   *   <li>{@link CapacityExceededException} 503: over a connection limit or the admission rate;</li>
   *   <li>{@link LivePushException} 400: {@code topics} threw one, named an invalid topic, or more than
   *       {@code maxTopicsPerConnection};</li>
   *   <li>{@link java.nio.channels.ClosedChannelException}: the channel closed meanwhile (answer nothing).</li>
   * </ul>
   * While the stage runs the channel does not read, so no further request overtakes this one. The stage does
   * not keep {@code request}: a transport that needs it after this call returns retains it. A refused request
   * holds no slot.
   *
   * @param channel the connection's channel
   * @param request the request; not retained by the stage
   * @return a stage completed on the channel's event loop
   * @param topics the topics the request follows from the start, computed from the authenticated principal on
   *     the event loop (it must not block); {@code null} for none
   */
  CompletionStage<AdmittedRequest> admit(Channel channel, FullHttpRequest request,
      Function<Principal, List<String>> topics);

  /**
   * As {@link #admit(Channel, FullHttpRequest, Function)}, for a request whose channel is not a socket: a stream
   * of a QUIC connection (HTTP/3), whose {@code remoteAddress()} is not the client's. {@code client} is used for
   * {@link io.livepush.RequestInfo#remoteAddress()}, the per-address limit and the authentication-failure
   * throttle. The default ignores {@code client}.
   *
   * @param channel the request's channel (for HTTP/3, its request stream)
   * @param client the client's address (for QUIC, the connection's remote UDP address)
   * @param request the request; not retained by the stage
   * @param topics the topics the request follows from the start (see above); {@code null} for none
   * @return a stage completed on the channel's event loop
   */
  default CompletionStage<AdmittedRequest> admit(Channel channel, InetSocketAddress client, FullHttpRequest request,
      Function<Principal, List<String>> topics) {
    return admit(channel, request, topics);
  }

  /**
   * Resume by time: the position each of {@code topics} resumes from to get exactly its events published at or
   * after {@code time} (docs/protocol.md "Resume by time"). Call on {@code channel}'s event loop after the
   * request was admitted (never for an unauthenticated client: a lookup may cost the bus a request); the stage
   * completes on that loop, at once without a bus; reading is the caller's to pause meanwhile. A topic whose
   * events at or after {@code time} may have left the log gets a position that resumes with a {@code too-old}
   * reset; a {@code time} after now gives {@code null} positions (live from now).
   *
   * <p>Fails with (unwrapped) {@link LivePushException} 400 when the server's bus cannot look up times (answer
   * 400, WebSocket {@code unsupported}), the bus's exception when its backend cannot be read (a
   * {@link LivePushException}, typically 503), {@link java.nio.channels.ClosedChannelException} when the channel
   * closed meanwhile. The default fails with 400.
   *
   * @param channel the connection's channel
   * @param topics the topics to resume, validated and authorized
   * @param time the time to resume from, as parsed by {@link ResumeTime#parse}
   * @return topic to position (an id, or {@code null} for live), in the order of {@code topics}; never
   *     {@code null}
   */
  default CompletionStage<Map<String, EventId>> positionsAt(Channel channel, Collection<String> topics,
      Instant time) {
    return CompletableFuture.failedFuture(
        new LivePushException("this server cannot resume by time; resume by id", 400));
  }

  /**
   * Whether {@code session}'s principal may follow {@code topic} later in its life (a WebSocket
   * {@code subscribe}), asked of the {@link io.livepush.TopicAuthorizer} where it may block. Call on the
   * session's event loop; the stage completes there, with {@code false} for a refusal (counted) or a failed
   * authorizer, or exceptionally with {@link CapacityExceededException} when the blocking executor is full.
   *
   * @param session the session asking; its principal decides
   * @param topic the topic to follow, never a companion topic
   * @return a stage completed on the session's event loop
   */
  CompletionStage<Boolean> canSubscribe(Session session, String topic);

  /**
   * Whether {@code session}'s principal may send client messages to {@code topic} (WebSocket {@code message});
   * as {@link #canSubscribe(Session, String)}. Refused ones get an {@code error} with code {@code forbidden}.
   *
   * @param session the session asking; its principal decides
   * @param topic the topic the client sends to
   * @return a stage completed on the session's event loop
   */
  CompletionStage<Boolean> canPublish(Session session, String topic);

  /**
   * The server's executor for application callbacks that may block ({@link
   * io.livepush.LivePushServer.Builder#blockingExecutor}); its threads are not event loops. It may reject tasks
   * when full: answer with 503 / close 1013.
   *
   * @return the blocking executor (the builder's, or the default one)
   */
  Executor blockingExecutor();

  /**
   * Where an application callback of the transport (a handler) runs, by the rule of every livepush callback:
   * directly on the calling thread (the connection's event loop) when it is {@link io.livepush.NonBlocking},
   * else on the {@link #blockingExecutor()}.
   *
   * @param callback the application's callback object
   * @return a direct executor for a {@link io.livepush.NonBlocking} callback, else the blocking executor
   */
  Executor callbackExecutor(Object callback);

  /**
   * Calls an application callback's asynchronous form and never throws: an exception it throws, a {@code null}
   * stage, or a task the executor rejected ({@link CapacityExceededException}, to be answered with 503 /
   * close 1013) fails the returned stage instead. The same guard the core puts around its own callbacks.
   *
   * @param <T> the callback's result
   * @param call starts the callback, typically {@code () -> handler.onX(args, callbackExecutor(handler))}; on
   *     the calling thread
   * @return the callback's stage, or a failed one; it may complete on any thread
   */
  <T> CompletionStage<T> callCallback(Supplier<? extends CompletionStage<T>> call);

  /**
   * The server's presence registry.
   *
   * @return the server's presence registry
   */
  Presence presence();

  /**
   * Publishes like {@link io.livepush.LivePushServer#publish}.
   *
   * @param topic the topic name, per the grammar in {@link io.livepush.Topics}
   * @param event the event
   * @return the event's id
   * @throws IllegalStateException on an event loop when the server has a bus, or if the server is not running
   */
  EventId publish(String topic, Event event);

  /**
   * Publishes without waiting, like {@link io.livepush.LivePushServer#publishAsync}: what handlers on an event
   * loop must use when the server has a cluster bus (there {@link #publish} throws).
   *
   * @param topic the topic name, per the grammar in {@link io.livepush.Topics}
   * @param event the event
   * @return a future of the event's id; with a bus it completes on a bus thread
   */
  CompletableFuture<EventId> publishAsync(String topic, Event event);
}
