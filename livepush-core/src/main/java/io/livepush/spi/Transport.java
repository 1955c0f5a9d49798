package io.livepush.spi;

import io.livepush.CloseReason;
import io.livepush.EventId;
import io.livepush.ResetReason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A wire protocol plugged into the livepush core (SSE, WebSocket, ...).
 *
 * <p>The core owns the listening socket, the HTTP/1.1 codec, connection registry, heartbeat sweeps, the replay
 * log and fan-out. A transport claims HTTP requests, turns the connection into a stream (changing the pipeline
 * as it needs), opens a {@link Session}, and encodes what the core writes: events once per publish, and resets,
 * subscription markers and heartbeats per connection. The core never imports a transport's code.
 *
 * <h2>Buffer ownership</h2>
 * Buffers returned by the {@code encode*} methods belong to the caller, which writes (and so releases) them.
 * Bytes returned by {@link #encode(PublishedEvent)} are stored in the replay log and shared between all
 * subscribers: the core copies them into one direct buffer per event loop and writes
 * {@code retainedDuplicate()}s, so the encoded bytes must be exactly what goes on the wire and must pass the
 * transport's outbound handlers untouched.
 *
 * <h2>Threading</h2>
 * {@link #encode(PublishedEvent)} runs on the publishing thread, under the log's lock: it must be fast and pure.
 * Every other method runs on the connection's event loop and must not block.
 */
public interface Transport {

  /**
   * A short lower-case name, for example {@code "sse"}; shown in {@link io.livepush.ConnectionInfo#transport()}.
   *
   * @return the name, unique among a server's transports; constant for the transport's life
   */
  String name();

  /**
   * Called once before the server binds; keep {@code context} to open sessions and read the configuration.
   *
   * @param context the server's services for this transport, valid until the server stops
   */
  void init(TransportContext context);

  /**
   * Offers an HTTP request. Return {@code false} to let the next transport (and then the plain HTTP services)
   * see it. When returning {@code true} the transport has answered the request or turned the connection into a
   * stream.
   *
   * <p>The core releases {@code request} after this returns: {@code retain()} it to keep it longer.
   *
   * @param ctx the context of the core's handler in the connection's pipeline; on its event loop
   * @param request the complete request (head and body, at most {@code maxRequestBytes}); released by the core after
   *     this returns
   * @return {@code true} if this transport took the request, {@code false} to pass it on
   */
  boolean handle(ChannelHandlerContext ctx, FullHttpRequest request);

  /**
   * The request paths this transport claims, as templates: literal segments and {@code {name}} segments that
   * each match one non-empty path segment (for example {@code /ws} or {@code /api/match/{id}/live}; no query).
   * The router offers each request to the transports in the order they were added, so of two transports whose
   * routes match the same path the later one would never see it: {@link io.livepush.LivePushServer.Builder#build()}
   * refuses that with an {@link IllegalArgumentException} naming both transports and both routes. Routes of one
   * transport are not compared with each other. Called when the server is built, on the building thread; must
   * return the same set every time.
   *
   * @return the path templates; empty (the default) when the transport claims requests on other grounds, which
   *     leaves it out of the check
   */
  default java.util.Set<String> routes() {
    return java.util.Set.of();
  }

  /**
   * The {@code :protocol} values (RFC 8441 §4, e.g. {@code websocket}) this transport accepts in an HTTP/2
   * extended CONNECT (see {@link ExtendedConnect}). When any transport names one, the server's HTTP/2 connections
   * advertise {@code SETTINGS_ENABLE_CONNECT_PROTOCOL} (RFC 8441 §3). Called once, before the server binds.
   *
   * @return the protocols, lower case; empty (the default) for none
   */
  default java.util.Set<String> http2ConnectProtocols() {
    return java.util.Set.of();
  }

  /**
   * Encodes a published event to its wire bytes (see "Buffer ownership").
   *
   * @param event the event with its id, topic, type and payload
   * @return the complete wire form of the event, never {@code null}; the array is shared and must not be changed
   *     afterwards
   */
  byte[] encode(PublishedEvent event);

  /**
   * Encodes the gap signal for one topic. {@code position} is where the connection resumes after it: every topic
   * of the connection is complete up to it (the topic itself continues live after it), so a client keeps it as its
   * position like an event's id (SSE: the block's {@code id}; WebSocket: the message's {@code id}).
   *
   * @param alloc the allocator for the returned buffer
   * @param topic the topic whose events were skipped
   * @param reason why the gap happened ({@code too-old}, {@code epoch-changed}, {@code slow-consumer}, ...)
   * @param position the connection's position after the reset (the reset's id)
   * @return the encoded reset, whose single reference passes to the caller; never {@code null}
   */
  ByteBuf encodeReset(ByteBufAllocator alloc, String topic, ResetReason reason, EventId position);

  /**
   * Encodes what tells the client its subscription to {@code topics} is live from {@code position} (SSE: the
   * {@value io.livepush.Event#POSITION_TYPE} block, an event with that id that every EventSource records;
   * WebSocket: a {@code subscribed} message), or returns {@code null} to write nothing.
   *
   * @param alloc the allocator for the returned buffer
   * @param topics the topics now live; not {@code null}, not empty
   * @param position the connection's position after the replay (the marker's id)
   * @return the encoded marker, whose single reference passes to the caller, or {@code null} to write nothing
   */
  ByteBuf encodeSubscribed(ByteBufAllocator alloc, Collection<String> topics, EventId position);

  /**
   * Encodes the member snapshot of a presence-enabled {@code topic}, written to one connection right after its
   * subscription marker when {@link io.livepush.LivePushServer.Builder#presenceSnapshot} is on. {@code json} is
   * {@code {"topic":..,"members":[{"name":..,"metadata":{..}}],"count":n}}; the message carries no id, so it
   * moves no resume position. Returns {@code null} to send nothing (the default).
   *
   * @param alloc the allocator for the returned buffer
   * @param topic the presence-enabled topic (not its {@code ~presence} companion)
   * @param json the snapshot as UTF-8 JSON; the core keeps no reference, the transport may wrap it
   * @return the encoded snapshot, whose single reference passes to the caller, or {@code null} to write nothing
   */
  default ByteBuf encodePresenceSnapshot(ByteBufAllocator alloc, String topic, byte[] json) {
    return null;
  }

  /**
   * As {@link #encodeSubscribed(ByteBufAllocator, Collection, EventId)}, for the request with reference
   * {@code ref} ({@code null} for none; see {@link Session#subscribe(java.util.Map, String)}). The marker
   * may be written long after the request when the replay before it waited for the client to read. Called on
   * the connection's event loop; must not block.
   *
   * @param alloc the allocator for the returned buffer
   * @param topics the topics now live; not {@code null}, not empty
   * @param position the connection's position after the replay (the marker's id)
   * @param ref the client's request reference, echoed in the marker, or {@code null} for none
   * @return the encoded marker, whose single reference passes to the caller, or {@code null} to write nothing
   */
  default ByteBuf encodeSubscribed(ByteBufAllocator alloc, Collection<String> topics, EventId position,
      String ref) {
    return encodeSubscribed(alloc, topics, position);
  }

  /**
   * Offers one live event of a topic whose slow-consumer policy is
   * {@link io.livepush.SlowConsumerPolicy#KEEP_LATEST} to an unreliable path of the session, instead of its
   * channel: WebTransport sends it as an HTTP datagram (RFC 9297) when the client asked for datagrams. Such a
   * topic needs only its newest value, so a lost or reordered copy costs nothing a later event does not repair.
   * The core offers only live events written while the session is within its outbound budget (channel writable,
   * nothing owed); replays, conflated events and markers always go on the channel. The transport counts the
   * bytes it takes against the session's budget. Called on the session's event loop; must not block.
   *
   * @param session the session the event is for
   * @param topic the event's topic
   * @param event the encoded event ({@link #encode}); its reference passes to the transport only when it
   *     returns {@code true}
   * @return {@code true} when the transport took the event (and will release {@code event}); {@code false} to
   *     have the core write it on the session's channel as usual. The default: {@code false}
   */
  default boolean sendUnreliable(Session session, String topic, ByteBuf event) {
    return false;
  }

  /**
   * Encodes one heartbeat (SSE: a comment line; WebSocket: a ping frame).
   *
   * @param alloc the allocator for the returned buffer
   * @return the encoded heartbeat, whose single reference passes to the caller; never {@code null}
   */
  ByteBuf encodeHeartbeat(ByteBufAllocator alloc);

  /**
   * Whether peers answer heartbeats. When {@code true} the core sends a heartbeat after
   * {@code heartbeatInterval} without input and closes the connection with
   * {@link CloseReason#HEARTBEAT_TIMEOUT} after a further {@code heartbeatTimeout}; when {@code false} it sends
   * one after {@code heartbeatInterval} without output, and relies on write failures to find dead peers.
   *
   * @return {@code true} if peers answer heartbeats (WebSocket pong, RFC 6455 §5.5.3); {@code false} by default
   */
  default boolean expectsHeartbeatReplies() {
    return false;
  }

  /**
   * Ends the connection for {@code reason}: write any goodbye (a close frame) and close the channel.
   *
   * @param session the session to end; its channel may already be closing
   * @param reason why the connection ends; chooses the goodbye (for example WebSocket close code 1001 for
   *     {@link CloseReason#SERVER_STOPPING}, RFC 6455 §7.4.1)
   */
  void close(Session session, CloseReason reason);

  /**
   * Header fields added to every response head the server writes on its TCP listener, over HTTP/1.1 and
   * HTTP/2 (pages, services, errors, stream heads, upgrades; not informational 1xx): how a transport with a
   * listener of its own advertises it, e.g. {@code Alt-Svc: h3=":8443"; ma=86400} (RFC 7838 §3). A field the
   * response already carries is left as it is. The core asks once per accepted connection and HTTP/2 stream
   * (a connection set up while every transport returns {@code null} gets none) and again for each response head,
   * so the answer may change while the server runs (after {@link #listen}, after {@link #stopListening}).
   *
   * <p>Runs on an event loop, once per response: must be fast (return a prepared instance) and not block. The
   * fields must be valid (RFC 9110 §5.5: {@link HttpFields}); the core does not change the returned headers.
   *
   * @return the fields to add, read-only to the core, or {@code null} (the default) for none
   */
  default HttpHeaders responseHeaders() {
    return null;
  }

  /**
   * Called once the core's TCP listener is bound, before {@link io.livepush.LivePushServer#start()} completes: a
   * transport that serves a listener of its own (HTTP/3 on UDP) binds it here, on {@code listener}'s event loops.
   * The default does nothing.
   *
   * <p>Runs on an event loop; must not block (return a stage instead).
   *
   * @param listener the core's bound listener
   * @return a stage completed once the transport's listener is ready; an exceptional one fails the server's start
   *     (which then stops)
   */
  default CompletionStage<Void> listen(ServerListener listener) {
    return CompletableFuture.completedFuture(null);
  }

  /**
   * Called once when the server stops, after its sessions were closed and drained ({@link #close} with
   * {@link CloseReason#SERVER_STOPPING}) and before the event loops shut down: close the transport's own listener
   * (an HTTP/3 GOAWAY, then the UDP socket). The default does nothing. Called even when {@link #listen} was not.
   *
   * <p>Runs on any thread; must not block.
   *
   * @return a stage completed once the listener is closed; the core waits for it a bounded time, and ignores its
   *     failure
   */
  default CompletionStage<Void> stopListening() {
    return CompletableFuture.completedFuture(null);
  }
}
