package io.livepush.spi;

import io.livepush.CloseReason;
import io.livepush.ConnectionInfo;
import io.livepush.EventId;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A streaming connection registered with the core: what a {@link Transport} gets from
 * {@link AdmittedRequest#openSession}. The core owns its registry entry, its heartbeats, its subscriptions and
 * the writes of events; the transport owns the wire format.
 *
 * <p><b>Threading:</b> every method except those of {@link ConnectionInfo} must be called on
 * {@link #channel()}'s event loop.
 */
public interface Session extends ConnectionInfo {
  /**
   * The channel. Safe from any thread.
   *
   * @return the connection's channel, whose event loop every other method must run on; never {@code null}
   */
  Channel channel();

  /**
   * Subscribes to {@code topics}, resuming from {@code resumeFrom} when it is not {@code null}.
   *
   * <p>Atomically with respect to every publish, the core registers the subscriptions and snapshots the log.
   * It then writes, in order: a {@link Transport#encodeReset reset} for each topic that cannot resume, the
   * missed events of the others (merged in offset order), and {@link Transport#encodeSubscribed} with the
   * position the subscription starts from. Live events follow, each exactly once. Topics already subscribed
   * are skipped. {@code resumeFrom} may be {@link EventId#EARLIEST}: each topic replays everything retained.
   *
   * @param topics the validated, authorized topics to follow, in marker order; not {@code null}
   * @param resumeFrom the position to resume every topic from, {@link EventId#EARLIEST}, or {@code null} for
   *     "live from now"
   * @return the position the new subscriptions start from
   * @throws io.livepush.LivePushException (400) when the connection would follow more than
   *     {@code maxTopicsPerConnection} topics
   */
  default EventId subscribe(Collection<String> topics, EventId resumeFrom) {
    Map<String, EventId> positions = new LinkedHashMap<>();
    for (String t : topics) {
      positions.put(t, resumeFrom);
    }
    return subscribe(positions);
  }

  /**
   * Subscribes to the keys of {@code positions} in one step, each resuming from its own position: an event id,
   * {@link EventId#EARLIEST}, or {@code null} for "live from now". As {@link #subscribe(Collection, EventId)},
   * atomically with every publish; the resets come first, then the missed events of <em>all</em> the topics
   * merged in offset order, then one {@link Transport#encodeSubscribed} marker, so the connection keeps offset
   * order across its topics when it resumes topics that were last seen at different positions. Topics already
   * subscribed are skipped.
   *
   * @param positions topic to resume position, in the order the topics are listed in the marker; not modified
   * @return the position the marker carries: every new subscription has every event of its topic up to it
   * @throws io.livepush.LivePushException (400) when the connection would follow more than
   *     {@code maxTopicsPerConnection} topics
   */
  default EventId subscribe(Map<String, EventId> positions) {
    return subscribe(positions, null);
  }

  /**
   * As {@link #subscribe(Map)}, with the request's reference ({@code null} for none), passed
   * to {@link Transport#encodeSubscribed(io.netty.buffer.ByteBufAllocator, Collection, EventId, String)}.
   *
   * <h4>Within the outbound budget</h4>
   * Resets and replayed events are written only while the channel is writable (its pending bytes under
   * {@code maxPendingOutboundBytes}); when it is not, the replay stops reading the log and goes on when the
   * channel drains, and the marker follows once it has caught up with the head. Meanwhile live events to this
   * connection are read from the log in their turn (offset order across all its topics holds), the channel
   * stops reading ({@code autoRead} off) and {@link #canWrite()} is {@code false}. The marker then carries the
   * position the replay caught up to; the returned position is that one when the replay completed during the
   * call, else the head when the subscriptions were registered.
   *
   * @param positions topic to resume position ({@code null} value: live from now), in marker order; not
   *     {@code null}, not modified
   * @param ref the client's request reference, echoed in the marker, or {@code null} for none
   * @return the position the new subscriptions start from (see above)
   * @throws io.livepush.LivePushException (400) when the connection would follow more than
   *     {@code maxTopicsPerConnection} topics
   */
  EventId subscribe(Map<String, EventId> positions, String ref);

  /**
   * Whether a reply written now keeps the connection within its outbound budget: the channel is writable and
   * no replay is owed. A transport answers a client's request only when this is {@code true}; otherwise it
   * holds the request (bounded) and serves it when the channel becomes writable again, which it learns from
   * {@code channelWritabilityChanged} (also fired when an owed replay completes).
   *
   * @return {@code true} if a reply may be written now
   */
  boolean canWrite();

  /**
   * Writes transport bytes outside the event flow (a greeting, an application message, a reply), without
   * flushing. Takes ownership of {@code buf}; it is released if the session is closed. Counts as output for
   * heartbeat purposes. The bytes count against the connection's outbound budget like every other write: call
   * it only when {@link #canWrite()} (or for one final frame, such as a close), so the pending bytes never
   * exceed the budget by more than one write.
   *
   * @param buf the encoded bytes; ownership passes to the session (do not release or touch it afterwards)
   */
  void write(ByteBuf buf);

  /** Flushes the channel (from {@link #writeFrom}'s context when one is set). */
  void flush();

  /**
   * Where this session's own writes enter the pipeline: live events, replayed events, resets, heartbeats and
   * {@link #write(ByteBuf)} go out through {@code ctx.write}, and its flushes through {@code ctx.flush}, so only
   * the handlers between {@code ctx} and the head see them (TLS, HTTP/2 stream framing and the session itself sit
   * there); the tail and the transport's own handlers after {@code ctx} are skipped (issue 18: with 10,000 cold
   * connections each handler context walked costs cache misses on every delivery). Valid only when every byte
   * the {@link Transport} encodes is complete wire format at that point, such as a WebSocket frame written from
   * the frame encoder's context. A transport with a rule about its output (WebSocket: nothing after its close
   * frame) sets {@code null} before that rule applies; then writes start at the tail again. Event loop only.
   *
   * @param ctx a context of this session's channel, or {@code null} for the tail (the default)
   * @throws IllegalArgumentException if {@code ctx} belongs to another channel
   */
  void writeFrom(ChannelHandlerContext ctx);

  /**
   * Removes a subscription; no further events of {@code topic} are written after this returns.
   *
   * @param topic the topic to stop following
   * @return {@code true} if the connection followed {@code topic}, {@code false} if not
   */
  boolean unsubscribe(String topic);

  /**
   * The topics subscribed to now.
   *
   * @return an unmodifiable snapshot; empty when none, never {@code null}
   */
  Set<String> topics();

  /** Records that the peer sent something (for example a pong), which keeps it alive. */
  void markRead();

  /**
   * Closes the connection: the core records {@code reason} and calls {@link Transport#close} once. Further
   * calls do nothing.
   *
   * @param reason why, recorded and counted; not {@code null}
   */
  void close(CloseReason reason);

  /**
   * Why the session ended: the reason given to {@link #close}, {@link CloseReason#CLIENT_CLOSED} when the
   * channel closed by itself, {@code null} while open.
   *
   * @return the reason, or {@code null} while open
   */
  CloseReason closeReason();

  /**
   * Whether {@link #close} was called or the channel closed.
   *
   * @return {@code true} once closed; never becomes {@code false} again
   */
  boolean isClosed();
}
