package io.livepush.internal;

import io.livepush.CloseReason;
import io.livepush.Principal;
import io.livepush.RequestInfo;
import io.livepush.spi.LogSafe;
import io.livepush.spi.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;

/**
 * The core's side of a streaming connection: identity, the SPI, liveness and close, on top of the layers of
 * {@link SessionBase}. Everything mutable is confined to the channel's event loop.
 */
final class SessionImpl extends SessionOutbound {
  /** Safe to read from any thread; slimmed once the connection is open (see retainRequestHeaders). */
  volatile RequestInfo request;
  final Principal principal;
  long lastReadNanos;
  long lastHeartbeatNanos;
  int loopSlot = -1;
  /** Written but not flushed; owned by {@link LoopState#markDirty}. */
  boolean dirty;
  /** Removed from the registry (by {@link Hub#onClosed}). */
  boolean deregistered;
  /** Set by {@link #close}: an open connection does not carry what only closing needs (issue 18: 16 B). */
  private Closing closing;
  /** The last blocking connection-listener call, so onClose follows onOpen; {@code null} without one. */
  java.util.concurrent.CompletableFuture<Void> listenerCalls;

  SessionImpl(Hub hub, long id, Channel channel, Transport transport, int transportIndex, LoopState loop,
      RequestInfo request, Principal principal, long now) {
    super(hub, id, channel, transport, transportIndex, loop);
    this.request = request;
    this.principal = principal;
    this.lastWriteNanos = now;
    this.lastReadNanos = now;
    this.lastHeartbeatNanos = now;
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public String transport() {
    return transport.name();
  }

  @Override
  public RequestInfo request() {
    return request;
  }

  @Override
  public Principal principal() {
    return principal;
  }

  @Override
  public Channel channel() {
    return channel;
  }

  /** Whether a reply written now stays within the budget: writable and no replay owed. */
  @Override
  public boolean canWrite() {
    return !closed && !replaying() && channel.isWritable();
  }

  @Override
  public void write(ByteBuf buf) {
    if (closed) {
      buf.release();
      return;
    }
    lastWriteNanos = hub.nanoTime();
    writeOut(buf);
  }

  /** First in the pipeline: see {@link #writabilityChanged(boolean)}. */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    writabilityChanged(ctx.channel().isWritable());
    ctx.fireChannelWritabilityChanged();
  }

  /** Every write of every handler passes here last (this handler is first): measures the pending bytes. */
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    ctx.write(msg, promise);
    measurePending();
  }

  /**
   * Last in the pipeline (an SSE stream once its head is written: nothing of the transport reads any more), the
   * session discards what the client sends, as {@link io.livepush.spi.StreamRequests#discardInbound()} would,
   * without a handler context of its own (issue 18: 64 B per idle stream). Otherwise it passes it on.
   */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (ctx.pipeline().last() == this) {
      ReferenceCountUtil.release(msg);
    } else {
      ctx.fireChannelRead(msg);
    }
  }

  /**
   * First in the pipeline, the session sees every exception before the transport's handlers. A write that raced
   * the channel's close (a delivery, heartbeat or reset with the void promise, queued before the close was seen)
   * fails with {@link ClosedChannelException}: expected, nothing is lost (the client resumes from its id), so it
   * goes no further (at the tail Netty would log each one at WARN: a flood when thousands of HTTP/2 streams end
   * at once). Last in the pipeline, a failed connection is closed, as by {@code StreamRequests.discardInbound()}.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof ClosedChannelException && !ctx.channel().isActive()) {
      Hub.LOG.debug("session {}: a write after the close", this);
    } else if (ctx.pipeline().last() == this) {
      Hub.LOG.debug("session {} failed", this, LogSafe.throwable(cause));
      ctx.close();
    } else {
      ctx.fireExceptionCaught(cause);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    hub.onClosed(this);
    ctx.fireChannelInactive();
  }

  @Override
  public void flush() {
    flushOut();
  }

  void writeHeartbeat(long now) {
    lastHeartbeatNanos = now;
    if (!channel.isWritable()) {
      return; // output is pending anyway; more bytes would only grow a stalled client's backlog
    }
    write(transport.encodeHeartbeat(channel.alloc()));
    channel.flush();
  }

  @Override
  public void markRead() {
    lastReadNanos = hub.nanoTime();
  }

  /**
   * Reading resumes after livepush paused it (over budget, or a request's answer owed): the client's silence
   * meanwhile was ours, so its heartbeat clock restarts here. Otherwise a sweep running between this and the
   * first read would close a live client with {@link CloseReason#HEARTBEAT_TIMEOUT} for the pause. On the loop.
   */
  @Override
  void resumeReading() {
    lastReadNanos = hub.nanoTime();
    channel.config().setAutoRead(true);
  }

  @Override
  public void close(CloseReason reason) {
    if (closed) {
      return;
    }
    closed = true;
    closing = new Closing(reason);
    if (reason == CloseReason.SLOW_CONSUMER && channel instanceof Http2StreamChannel) {
      Http2StreamBytes bytes = channel.pipeline().get(Http2StreamBytes.class);
      if (bytes != null) {
        bytes.abort(); // its backlog may never drain: RST_STREAM, not END_STREAM behind it
      }
    }
    try {
      transport.close(this, reason);
    } catch (RuntimeException e) {
      Hub.LOG.warn("transport {} failed to close {}", transport.name(), channel, LogSafe.throwable(e));
      channel.close();
    }
  }

  /** The sweep found the connection over its budget for too long (see {@link LoopState#sweep}). */
  void stalled() {
    hub.stats.slowConsumerDisconnect();
    close(CloseReason.SLOW_CONSUMER);
  }

  /**
   * Closed, but its channel is still open: the transport's last bytes (a long-poll answer, the end of a one-off
   * stream, a close frame) are being flushed, and the channel closes once they are written. A client that reads
   * none of them must not hold its connection, its slot and those bytes for ever, so the sweep gives them the
   * stall bound ({@code heartbeatInterval + heartbeatTimeout}) to make progress, as for an open session: while the
   * pending bytes fall the clock restarts (a slow reader still gets everything), else the connection is closed
   * and an HTTP/2 stream reset with CANCEL (RFC 9113 §8.1) — closing alone would leave it open when its END_STREAM
   * is already queued behind a window the client never opens. On the loop.
   */
  void lingering(long now, long boundNanos) {
    Closing c = closing; // set by close(): the sweep lingers only on sessions closed with their channel open
    long pending = pendingOutboundBytes();
    if (pending < c.leastPending) {
      c.leastPending = pending;
      c.sinceNanos = now;
    } else if (now - c.sinceNanos >= boundNanos) {
      if (channel instanceof Http2StreamChannel) {
        channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL)); // a failure: the stream is gone
      }
      channel.close();
    }
  }

  /** Marks the session closed when the channel closed underneath it. */
  void markClosed() {
    closed = true;
  }

  @Override
  public CloseReason closeReason() {
    Closing c = closing;
    if (c != null && c.reason != null) {
      return c.reason;
    }
    return isClosed() ? CloseReason.CLIENT_CLOSED : null;
  }

  /** What a session closed by {@link #close} keeps: the reason, and the sweep's watch on its last bytes. */
  private static final class Closing {
    /** The reason given to {@link #close}. */
    final CloseReason reason;
    /** The least pending bytes the sweep saw once closed with the channel still open, and since when. */
    long leastPending = Long.MAX_VALUE;
    long sinceNanos;

    Closing(CloseReason reason) {
      this.reason = reason;
    }
  }

  @Override
  public boolean isClosed() {
    return closed || !channel.isActive();
  }

  @Override
  public String toString() {
    return "Session{id=" + id + ", transport=" + transport.name() + ", request=" + request + '}';
  }
}
