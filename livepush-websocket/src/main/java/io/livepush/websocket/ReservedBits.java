package io.livepush.websocket;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionDecoder;

/**
 * Fails a frame with a reserved bit its connection did not negotiate with 1002 (RFC 6455 §5.2, RFC 7692 §6).
 * Needed only when permessage-deflate is enabled: Netty's decoder then lets every reserved bit through
 * ({@code allowExtensions}), on every connection. Allowed is RSV1 alone on the first frame of a text or binary
 * message when the connection negotiated permessage-deflate (RFC 7692 §6.1: not on continuation or control
 * frames); anything else fails. Sits before Netty's permessage-deflate decoder, so a frame-level error is found
 * before its payload is inflated or checked as UTF-8, and fails the way Netty's decoder does: a close frame, TCP
 * closed once it is written, then a {@link CorruptedWebSocketFrameException} down the pipeline (livepush's
 * handler then discards further input quietly). Stateless and shared; runs on each channel's event loop; only
 * frames with a reserved bit set cost a pipeline lookup.
 */
@ChannelHandler.Sharable
final class ReservedBits extends ChannelInboundHandlerAdapter {
  static final ReservedBits INSTANCE = new ReservedBits();

  private ReservedBits() {}

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof WebSocketFrame && !allowed(ctx, (WebSocketFrame) msg)) {
      ((WebSocketFrame) msg).release();
      CorruptedWebSocketFrameException e = new CorruptedWebSocketFrameException(
          WebSocketCloseStatus.PROTOCOL_ERROR, "reserved bit not negotiated");
      if (ctx.channel().isActive()) {
        ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.PROTOCOL_ERROR, e.getMessage()))
            .addListener(ChannelFutureListener.CLOSE);
      }
      ctx.fireExceptionCaught(e);
      return;
    }
    ctx.fireChannelRead(msg);
  }

  private static boolean allowed(ChannelHandlerContext ctx, WebSocketFrame frame) {
    int rsv = frame.rsv();
    return rsv == 0 || (rsv == WebSocketExtension.RSV1
        && (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame)
        && ctx.pipeline().get(WebSocketExtensionDecoder.class) != null);
  }
}
