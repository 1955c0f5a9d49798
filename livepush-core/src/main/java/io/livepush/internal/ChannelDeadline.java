package io.livepush.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A handler with one deadline on its channel's event loop: armed when the handler is added, cancelled when it
 * is removed or the channel closes, re-armed or cancelled by the owner; {@link #expire()} runs when it passes.
 * Per channel, not sharable; every method runs on the channel's loop.
 */
abstract class ChannelDeadline extends ChannelInboundHandlerAdapter {
  private final long timeoutNanos;
  /** This handler's context, set when it is added. */
  ChannelHandlerContext ctx;
  private ScheduledFuture<?> timer;

  /** @param timeoutNanos the deadline, from each {@link #arm()}; {@code <= 0} never arms */
  ChannelDeadline(long timeoutNanos) {
    this.timeoutNanos = timeoutNanos;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    arm();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    disarm();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    disarm();
    ctx.fireChannelInactive();
  }

  /** Starts (again) the clock. On the channel's loop. */
  public void arm() {
    disarm();
    if (timeoutNanos > 0) {
      timer = ctx.executor().schedule(() -> {
        timer = null;
        expire();
      }, timeoutNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Stops the clock. On the channel's loop. */
  public void disarm() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  /** The deadline passed; on the channel's loop. */
  abstract void expire();
}
