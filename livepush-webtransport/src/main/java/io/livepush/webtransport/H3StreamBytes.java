package io.livepush.webtransport;

import io.livepush.spi.PendingOutbound;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;

/**
 * First of livepush's handlers on an HTTP/3 request stream served by the core's router (next to Netty's frame
 * codec): lets a transport that turned the stream into raw bytes (SSE removes the HTTP codec after the response
 * head) keep writing {@code ByteBuf}s, each sent as one DATA frame (RFC 9114 §7.2.1) and owned by it from then on;
 * closing the stream then ends the response with FIN after the bytes already written. Other messages pass
 * unchanged. It counts the bytes of every write until Netty's QUIC stream took them ({@link PendingWrites}): the
 * response's pending bytes, against the session's outbound budget. Per stream, on its loop (the HTTP/2
 * counterpart is core's {@code Http2StreamBytes}).
 */
final class H3StreamBytes extends ChannelOutboundHandlerAdapter implements PendingOutbound {
  static final String NAME = "livepush.h3.bytes";
  private final PendingWrites writes = new PendingWrites();

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    writes.write(ctx, msg instanceof ByteBuf ? new DefaultHttp3DataFrame((ByteBuf) msg) : msg, promise);
  }

  @Override
  public long pendingOutboundBytes() {
    return writes.pending();
  }
}
