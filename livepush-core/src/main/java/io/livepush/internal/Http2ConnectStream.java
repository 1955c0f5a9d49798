package io.livepush.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

/**
 * An extended CONNECT (RFC 8441 §4) on one HTTP/2 stream, between {@code livepush.h2.bytes} and
 * {@code livepush.httpCodec}; present only when the connection advertises {@code SETTINGS_ENABLE_CONNECT_PROTOCOL}.
 *
 * <p>A stream whose HEADERS carry {@code :method CONNECT} and {@code :protocol} becomes a complete
 * {@code CONNECT} request with {@code :path} as its URI (Netty's conversion would give it the authority-form of a
 * proxy CONNECT), marked with its protocol (see {@link io.livepush.spi.ExtendedConnect#protocol}), and the stream
 * stops reading: the client's DATA waits in the stream (bounded by its flow-control window) until a transport
 * accepts ({@link #accept}) or refuses. Once accepted each DATA frame passes on as its payload {@code ByteBuf}
 * (ownership passes with it), and the peer's END_STREAM (RFC 8441 §4: like a TCP FIN) closes the stream after
 * the bytes before it. Any other stream removes this handler at its first HEADERS. Per stream, on its loop.
 */
public final class Http2ConnectStream extends ChannelInboundHandlerAdapter {
  static final String NAME = "livepush.h2.connect";
  /** The {@code :protocol} of the stream's extended CONNECT; set only by this handler. */
  public static final AttributeKey<String> PROTOCOL = AttributeKey.valueOf(Http2ConnectStream.class, "protocol");

  private boolean bytes;

  /**
   * A transport took the stream of {@code p}: from now on DATA frames pass as bytes, and reading resumes. On the
   * stream's loop.
   */
  public static void accepted(ChannelPipeline p) {
    Http2ConnectStream h = p.get(Http2ConnectStream.class);
    if (h == null) {
      throw new IllegalStateException("not an extended CONNECT stream");
    }
    h.bytes = true;
    p.channel().config().setAutoRead(true);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Http2Exception {
    if (bytes) {
      if (msg instanceof Http2DataFrame) {
        Http2DataFrame data = (Http2DataFrame) msg;
        boolean end = data.isEndStream();
        if (data.content().isReadable()) {
          ctx.fireChannelRead(data.content()); // the frame's one reference passes on with its content
        } else {
          data.release();
        }
        if (end) {
          ctx.close();
        }
      } else {
        ReferenceCountUtil.release(msg); // trailers: nothing to say once the stream is a tunnel
      }
      return;
    }
    if (msg instanceof Http2HeadersFrame) {
      Http2Headers headers = ((Http2HeadersFrame) msg).headers();
      CharSequence protocol = headers.get(Http2Headers.PseudoHeaderName.PROTOCOL.value());
      if (protocol != null && headers.path() != null
          && HttpMethod.CONNECT.asciiName().contentEquals(headers.method())) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.CONNECT,
            headers.path().toString(), Unpooled.EMPTY_BUFFER);
        int id = ((Http2StreamChannel) ctx.channel()).stream().id();
        HttpConversionUtil.addHttp2ToHttpHeaders(id, headers, request.headers(), HttpVersion.HTTP_1_1, false, true);
        ReferenceCountUtil.release(msg);
        ctx.channel().attr(PROTOCOL).set(protocol.toString());
        ctx.channel().config().setAutoRead(false); // the tunnel's bytes wait for a transport to accept
        ctx.fireChannelRead(request); // a FullHttpRequest passes the stream codec and the aggregator unchanged
        return;
      }
      ctx.pipeline().remove(this);
    }
    ctx.fireChannelRead(msg);
  }
}
