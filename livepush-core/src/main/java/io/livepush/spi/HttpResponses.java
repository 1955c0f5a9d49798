package io.livepush.spi;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Small, complete HTTP answers shared by the core and transports (errors before a stream starts). */
public final class HttpResponses {
  /** The header that stops browsers from sniffing a response into another type (WHATWG Fetch §3.5.2). */
  public static final String X_CONTENT_TYPE_OPTIONS = "X-Content-Type-Options";
  /** Its only value. */
  public static final String NOSNIFF = "nosniff";

  private HttpResponses() {}

  /**
   * Writes a {@code text/plain} error with {@code reason} as the body and closes the connection after it.
   * {@code extraHeaders} may be {@code null}. Must run on {@code ctx}'s event loop; does not block.
   *
   * @param ctx the handler context to write through; the connection is closed once the write completes
   * @param status the error status
   * @param reason the body text (a newline is appended); must not contain unchecked client input
   * @param extraHeaders headers added to the response, or {@code null}
   */
  public static void sendError(ChannelHandlerContext ctx, HttpResponseStatus status, String reason,
      HttpHeaders extraHeaders) {
    FullHttpResponse response = textResponse(ctx, status, reason + "\n");
    if (extraHeaders != null) {
      response.headers().add(extraHeaders);
    }
    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * A {@code text/plain; charset=utf-8} response with a content length, {@code no-store} and {@code nosniff}.
   *
   * @param ctx supplies the allocator for the content buffer
   * @param status the status
   * @param body the body text, encoded as UTF-8
   * @return a new response holding one reference to its content; the caller owns it and must write or release it
   */
  public static FullHttpResponse textResponse(ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ByteBuf content = ctx.alloc().buffer(bytes.length).writeBytes(bytes);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
        .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
        .set(X_CONTENT_TYPE_OPTIONS, NOSNIFF);
    return response;
  }
}
