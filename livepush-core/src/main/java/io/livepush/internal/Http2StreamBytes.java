package io.livepush.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;

/**
 * First handler of an HTTP/2 stream's pipeline (next to the stream channel): lets a transport that turned the
 * stream into raw bytes (SSE removes the HTTP codec after the response head) keep writing {@code ByteBuf}s, each
 * sent as one DATA frame (RFC 9113 §6.1) and owned by it from then on. Other messages pass unchanged.
 *
 * <p>Ending a stream: a close first sends an empty DATA frame with END_STREAM, queued behind the bytes already
 * written, so the client sees a complete response rather than an error; a session closed as a slow consumer
 * ({@link #abort()}: its backlog may never drain) is left to the stream channel, which discards what is queued
 * and sends RST_STREAM (CANCEL). Per stream, on its loop.
 */
final class Http2StreamBytes extends ChannelOutboundHandlerAdapter {
  private boolean headersSent;
  private boolean ended;
  private boolean aborted;

  /** The next close resets the stream instead of ending it. On the stream's loop. */
  void abort() {
    aborted = true;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    Object out = msg;
    if (msg instanceof ByteBuf) {
      out = new DefaultHttp2DataFrame((ByteBuf) msg);
    } else if (msg instanceof Http2HeadersFrame) {
      headersSent = true;
      ended |= ((Http2HeadersFrame) msg).isEndStream();
    } else if (msg instanceof Http2DataFrame) {
      ended |= ((Http2DataFrame) msg).isEndStream();
    } else if (msg instanceof Http2ResetFrame) {
      ended = true;
    }
    ctx.write(out, promise);
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    if (headersSent && !ended && !aborted && ctx.channel().isActive()) {
      ended = true;
      ctx.writeAndFlush(new DefaultHttp2DataFrame(true), ctx.voidPromise());
    }
    ctx.close(promise);
  }
}
