package io.livepush.internal;

import io.livepush.CloseReason;
import io.livepush.ResetReason;
import io.livepush.SlowConsumerPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.livepush.spi.PendingOutbound;
import io.livepush.spi.Transport;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's write path within its outbound budget: live deliveries and the slow-consumer policies, the
 * backlog of owed resets and conflated events, and the pending-bytes accounting. A layer of the session's one
 * object (see {@link SessionBase}). Confined to the channel's event loop, except the peak, which any thread may
 * read.
 */
abstract class SessionOutbound extends SessionSubscriptions {
  /** When this connection last had bytes written (live, replay, heartbeat); {@link LoopState#sweep} reads it. */
  long lastWriteNanos;
  /** Subscriptions owing a slow-consumer reset or holding a conflated event; flushed once writable. */
  boolean backlog;
  /** Since when the channel has been over its budget without draining below the low mark; 0 when writable. */
  long unwritableSinceNanos;
  /** The most bytes this connection ever had pending; see {@link #peakPendingOutboundBytes()}. */
  private volatile long peakPending;
  /** Where this session's writes and flushes enter the pipeline; {@code null}: the tail. See {@link #writeFrom}. */
  private ChannelHandlerContext entry;

  SessionOutbound(Hub hub, long id, Channel channel, Transport transport, int transportIndex, LoopState loop) {
    super(hub, id, channel, transport, transportIndex, loop);
  }

  @Override
  public final void writeFrom(ChannelHandlerContext ctx) {
    if (ctx != null && ctx.channel() != channel) {
      throw new IllegalArgumentException("writeFrom: a context of another channel: " + ctx.channel());
    }
    entry = ctx;
  }

  /** Where writes and flushes enter: {@link #writeFrom}'s context, or the channel (its pipeline's tail). */
  private ChannelOutboundInvoker out() {
    ChannelHandlerContext e = entry;
    return e != null ? e : channel;
  }

  /** Writes {@code buf} (ownership passes) from {@link #out()}, without flushing. */
  final void writeOut(ByteBuf buf) {
    ChannelOutboundInvoker out = out();
    out.write(buf, out.voidPromise());
  }

  /** Writes and flushes {@code buf} (ownership passes) in one pipeline walk from {@link #out()}. */
  final void writeAndFlushOut(ByteBuf buf) {
    ChannelOutboundInvoker out = out();
    out.writeAndFlush(buf, out.voidPromise());
  }

  /** Flushes from {@link #out()}. */
  final void flushOut() {
    out().flush();
  }

  @Override
  final void clearBacklog() {
    backlog = false;
  }

  @Override
  final void owesBacklog() {
    backlog = true;
    onWritable();
  }

  /** Writes {@code entries} in one buffer (the caller bounds their size). */
  @Override
  final void writeEntries(List<LogEntry> entries) {
    int total = 0;
    for (LogEntry e : entries) {
      total += e.encoded[transportIndex].length;
    }
    ByteBuf buf = channel.alloc().directBuffer(total);
    for (LogEntry e : entries) {
      buf.writeBytes(e.encoded[transportIndex]);
    }
    hub.stats.bytesWritten.add(total);
    write(buf);
  }

  /**
   * Delivers one live event of {@code s}, taking ownership of {@code buf}, flushed at once when {@code flushNow}
   * (no other delivery is queued on the loop) and the channel is a connection of its own, else once the loop's
   * queued deliveries have run. When the connection is over its outbound budget (not writable, counting the
   * batch's unflushed bytes) the subscription's {@link SlowConsumerPolicy} decides: close (the client resumes
   * from the log), skip and owe a reset, or keep only this newest event. Returns whether it was written.
   * {@code now} is the delivery task's one clock read ({@link Hub#nanoTime()}), taken as this write's time.
   */
  boolean deliver(Subscription s, LogEntry entry, ByteBuf buf, long now, boolean flushNow) {
    if (closed || replaying()) {
      buf.release(); // a replay owed reads this event from the log in its turn
      return false;
    }
    // Deliveries run in offset order: written, dropped (a reset is owed) or conflated, it is dealt with.
    complete = Math.max(complete, entry.offset);
    if (!channel.isWritable()) {
      // Unflushed bytes of this batch count against the budget too: flush them before judging the client.
      channel.flush();
    }
    if (backlog && channel.isWritable()) {
      // Owed resets and conflated events precede this one, keeping offset order per connection.
      drainBacklog();
    }
    if (!admitsLive() || backlog) {
      buf.release();
      switch (s.policy) {
        case DROP_WITH_RESET -> {
          if (!s.dropping) {
            s.dropping = true;
            backlog = true;
            hub.stats.slowConsumer(SlowConsumerPolicy.DROP_WITH_RESET);
          }
          hub.stats.dropped.increment();
        }
        case KEEP_LATEST -> {
          if (s.latest == null) {
            hub.stats.slowConsumer(SlowConsumerPolicy.KEEP_LATEST);
          } else {
            hub.stats.conflated.increment();
          }
          s.latest = entry;
          backlog = true;
        }
        default -> {
          hub.stats.slowConsumer(SlowConsumerPolicy.DISCONNECT);
          close(CloseReason.SLOW_CONSUMER);
        }
      }
      return false;
    }
    lastWriteNanos = now;
    // A keep-latest event may go on the transport's unreliable path (WebTransport datagrams), flushed with the
    // channel like a write.
    if (s.policy != SlowConsumerPolicy.KEEP_LATEST
        || !transport.sendUnreliable(this, s.topic.name, buf)) {
      // A stream of a multiplexed connection (HTTP/2, QUIC) defers: each stream's flush writes the parent
      // connection, so the loop's one pass after the task sends all its streams' events in one write.
      if (flushNow && channel.parent() instanceof ServerChannel) {
        writeAndFlushOut(buf);
        return true;
      }
      writeOut(buf);
    }
    loop.markDirty((SessionImpl) this);
    return true;
  }

  void onWritable() {
    if (closed || !channel.isWritable()) {
      return;
    }
    if (replaying()) {
      pump(false);
    } else if (backlog) {
      drainBacklog();
      channel.flush();
    }
  }

  /**
   * Writes the resets owed (slow consumer, bus) and then the conflated events in offset order, each only while
   * the channel is writable; what does not fit stays owed.
   */
  private void drainBacklog() {
    for (Subscription s = subscriptions; s != null; s = s.next) {
      if (!channel.isWritable()) {
        return;
      }
      if (s.dropping) {
        s.dropping = false;
        hub.stats.reset(ResetReason.SLOW_CONSUMER);
        write(transport.encodeReset(channel.alloc(), s.topic.name, ResetReason.SLOW_CONSUMER,
            resetPosition()));
      }
    }
    if (writeOwedResets() && !channel.isWritable()) {
      return;
    }
    if (hasOwedReset()) {
      return;
    }
    List<Subscription> latest = null;
    for (Subscription s = subscriptions; s != null; s = s.next) {
      if (s.latest != null) {
        if (latest == null) {
          latest = new ArrayList<>();
        }
        latest.add(s);
      }
    }
    if (latest != null) {
      latest.sort((a, b) -> Long.compare(a.latest.offset, b.latest.offset));
      for (Subscription s : latest) {
        if (!channel.isWritable()) {
          return;
        }
        writeEntries(List.of(s.latest));
        s.latest = null;
        hub.stats.delivered.increment();
      }
    }
    backlog = false;
  }

  /**
   * Not writable: stop reading (a client that does not read its answers gets no more requests served) and start
   * the stall clock. Writable again: write what is owed (replay, resets, conflated events) within the budget,
   * then read again once nothing is owed.
   */
  void writabilityChanged(boolean writable) {
    if (writable) {
      unwritableSinceNanos = 0;
      onWritable();
      if (!replaying() && channel.isWritable() && !closed) {
        resumeReading();
      }
    } else {
      if (unwritableSinceNanos == 0) {
        unwritableSinceNanos = Math.max(1, hub.nanoTime());
      }
      channel.config().setAutoRead(false);
    }
  }

  /** After every write: keeps the peak of the pending bytes. */
  void measurePending() {
    long p = pendingOutboundBytes();
    if (p > peakPending) {
      peakPending = p;
    }
  }

  /**
   * Whether a live event may be written now: the channel is writable, or it has no outbound buffer (a QUIC
   * stream, unwritable as soon as QUIC's congestion or flow-control window is full, whatever the budget) and what
   * the transport's bytes layer counts is still under the budget. So the slow-consumer policy acts at the
   * configured bytes on every transport, and pending bytes stay within the budget plus one event.
   */
  private boolean admitsLive() {
    if (channel.isWritable()) {
      return true;
    }
    if (!countedByTransport()) {
      return false;
    }
    PendingOutbound counted = channel.pipeline().get(PendingOutbound.class);
    return counted != null && counted.pendingOutboundBytes() < hub.config.maxPendingOutboundBytes();
  }

  /**
   * Bytes that may still be written before the connection is over its budget (a replay takes at most this much
   * per step). A channel with an outbound buffer, and an HTTP/2 stream, tell it themselves (the water mark is the
   * budget); a channel without one (a QUIC stream) reports QUIC's send capacity instead, which knows nothing of
   * the budget, so there it is the budget less what the transport's bytes layer counts.
   */
  @Override
  long bytesBeforeOverBudget() {
    long room = channel.bytesBeforeUnwritable();
    if (countedByTransport()) {
      room = Math.min(room, hub.config.maxPendingOutboundBytes() - pendingOutboundBytes());
    }
    return Math.max(0, room);
  }

  /**
   * Whether only the transport's bytes layer ({@link PendingOutbound}) can tell this channel's pending bytes: a
   * channel without an outbound buffer that is not an HTTP/2 stream (a QUIC stream).
   */
  private boolean countedByTransport() {
    return !(channel instanceof Http2StreamChannel) && channel.unsafe().outboundBuffer() == null;
  }

  @Override
  public long pendingOutboundBytes() {
    if (channel instanceof Http2StreamChannel) {
      // An HTTP/2 stream has no outbound buffer: its pending bytes are the DATA frames flow control holds, and
      // only their distance to the water marks is visible.
      WriteBufferWaterMark m = channel.config().getWriteBufferWaterMark();
      return channel.isWritable() ? Math.max(0, m.high() + 1 - channel.bytesBeforeUnwritable())
          : m.low() - 1 + channel.bytesBeforeWritable();
    }
    ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    if (out != null) {
      return out.totalPendingWriteBytes();
    }
    // No outbound buffer (a QUIC stream): the transport's bytes layer counts what waits below it.
    PendingOutbound counted = channel.pipeline().get(PendingOutbound.class);
    return counted == null ? 0 : counted.pendingOutboundBytes();
  }

  @Override
  public long peakPendingOutboundBytes() {
    return peakPending;
  }
}
