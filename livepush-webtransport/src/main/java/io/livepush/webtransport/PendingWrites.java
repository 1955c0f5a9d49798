package io.livepush.webtransport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * The bytes written to one QUIC stream that Netty's stream channel has not taken into quiche yet: it has no
 * outbound buffer, and queues what quiche's stream capacity (the peer's flow-control credit) cannot take until the
 * peer grants more. Each write counts from when it passes here until its promise completes (taken, or failed);
 * the core reads the sum as the connection's pending bytes ({@link io.livepush.spi.PendingOutbound}). Per
 * stream, on its loop.
 */
final class PendingWrites {
  private long pending;

  long pending() {
    return pending;
  }

  /** Passes {@code msg} on to {@code ctx}, counted until its write completes; a void promise still reports failures. */
  void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    int size = msg instanceof ByteBuf b ? b.readableBytes()
        : msg instanceof ByteBufHolder h ? h.content().readableBytes() : 0;
    if (size == 0) {
      ctx.write(msg, promise);
      return;
    }
    pending += size;
    ChannelPromise counted = promise.unvoid(); // a void promise's failure still fires exceptionCaught
    counted.addListener(f -> pending -= size);
    ctx.write(msg, counted);
  }
}
