package io.livepush.spi;

import io.livepush.CloseReason;
import io.livepush.ConnectionInfo;
import io.livepush.EventId;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.Collection;
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
  /** The channel. */
  Channel channel();

  /**
   * Subscribes to {@code topics}, resuming from {@code resumeFrom} when it is not {@code null}.
   *
   * <p>Atomically with respect to every publish, the core registers the subscriptions and snapshots the log.
   * It then writes, in order: a {@link Transport#encodeReset reset} for each topic that cannot resume, the
   * missed events of the others (merged in offset order), and {@link Transport#encodeSubscribed} with the
   * position the subscription starts from. Live events follow, each exactly once. Topics already subscribed
   * are skipped.
   *
   * @return the position the new subscriptions start from
   */
  EventId subscribe(Collection<String> topics, EventId resumeFrom);

  /**
   * Writes transport bytes outside the event flow (a greeting, an application message, a reply), without
   * flushing. Takes ownership of {@code buf}; it is released if the session is closed. Counts as output for
   * heartbeat purposes.
   */
  void write(ByteBuf buf);

  /** Flushes the channel. */
  void flush();

  /** Removes a subscription; returns whether it existed. */
  boolean unsubscribe(String topic);

  /** The topics subscribed to now. */
  Set<String> topics();

  /** Records that the peer sent something (for example a pong), which keeps it alive. */
  void markRead();

  /**
   * Closes the connection: the core records {@code reason} and calls {@link Transport#close} once. Further
   * calls do nothing.
   */
  void close(CloseReason reason);

  /** Whether {@link #close} was called or the channel closed. */
  boolean isClosed();
}
