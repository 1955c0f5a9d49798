package io.livepush.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import java.util.List;

/**
 * HTTP/2 with prior knowledge (RFC 9113 §3.3) on the cleartext port: while the first bytes of a connection match
 * the connection preface ({@code PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n}) it waits for more; the whole preface turns the
 * connection into HTTP/2, the first byte that differs leaves it to HTTP/1.1. Either way it removes itself and
 * hands the bytes read so far on (the preface to the HTTP/2 codec, which checks it again). It buffers at most
 * the preface's 24 bytes. Netty's {@code CleartextHttp2ServerUpgradeHandler} does the same, but installs the
 * HTTP/1.1 handlers unnamed; livepush's transports find them by {@link io.livepush.spi.PipelineNames}.
 */
final class H2cPrefaceHandler extends ByteToMessageDecoder {
  private static final byte[] PREFACE;

  static {
    ByteBuf b = Http2CodecUtil.connectionPrefaceBuf();
    try {
      PREFACE = ByteBufUtil.getBytes(b);
    } finally {
      b.release();
    }
  }

  private final Http2Connections http2;

  H2cPrefaceHandler(Http2Connections http2) {
    this.http2 = http2;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    int n = Math.min(in.readableBytes(), PREFACE.length);
    for (int i = 0; i < n; i++) {
      if (in.getByte(in.readerIndex() + i) != PREFACE[i]) {
        ctx.pipeline().remove(this);
        return;
      }
    }
    if (n == PREFACE.length) {
      http2.switchToHttp2(ctx);
      ctx.pipeline().remove(this);
    }
  }
}
