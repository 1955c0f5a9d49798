package io.livepush.spi;

import io.livepush.internal.Http2ConnectStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.function.Consumer;

/**
 * Bootstrapping a protocol over an HTTP/2 stream with the extended CONNECT method (RFC 8441: {@code :method
 * CONNECT} with a {@code :protocol} pseudo-header, e.g. WebSocket). HTTP/2 connections advertise
 * {@code SETTINGS_ENABLE_CONNECT_PROTOCOL} (RFC 8441 §3) when a transport names a protocol in
 * {@link Transport#http2ConnectProtocols()}; such a request reaches {@link Transport#handle} as a
 * {@code CONNECT} whose URI is its {@code :path}, with the rest of its header fields as usual.
 *
 * <p>All methods run on the request's event loop and never block.
 */
public final class ExtendedConnect {
  private ExtendedConnect() {}

  /**
   * The {@code :protocol} of an extended CONNECT request, or {@code null} for any other request (an HTTP/1.1
   * {@code CONNECT} included, whatever its header fields say).
   *
   * @param ctx the context the request arrived on
   * @param request the request
   * @return the protocol as the client sent it, e.g. {@code websocket}, or {@code null}
   */
  public static String protocol(ChannelHandlerContext ctx, HttpRequest request) {
    if (!HttpMethod.CONNECT.equals(request.method())) {
      return null;
    }
    return ctx.channel().attr(Http2ConnectStream.PROTOCOL).get();
  }

  /**
   * Accepts an extended CONNECT: writes {@code 200} with {@code headers} and no END_STREAM (RFC 8441 §5), then
   * turns the stream into a tunnel. The core's HTTP handlers, the router included, leave the stream's pipeline
   * and {@code install} adds the caller's own ({@code addLast}); then reading resumes. From then on each DATA
   * frame from the client arrives as a {@code ByteBuf} (whose reference the receiving handler owns), a
   * {@code ByteBuf} written goes out as one DATA frame, the client's END_STREAM closes the stream, and closing
   * the stream ends it with END_STREAM. The client's bytes wait (within the stream's flow-control window) until
   * {@code install} has run, so none is lost.
   *
   * @param ctx the context the request arrived on (the router's)
   * @param headers header fields of the {@code 200}, e.g. the selected subprotocol; copied
   * @param install adds the handlers of the tunnel to the stream's pipeline; runs once, now, on this loop
   * @throws IllegalStateException if the request was not an extended CONNECT
   */
  public static void accept(ChannelHandlerContext ctx, HttpHeaders headers, Consumer<ChannelPipeline> install) {
    ChannelPipeline p = ctx.pipeline();
    if (ctx.channel().attr(Http2ConnectStream.PROTOCOL).get() == null) {
      throw new IllegalStateException("not an extended CONNECT stream");
    }
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers().set(headers);
    ctx.write(head, ctx.voidPromise()); // through the stream codec: HEADERS without END_STREAM
    for (String name : new String[] {PipelineNames.REQUEST_DEADLINE, PipelineNames.HTTP_AGGREGATOR,
        PipelineNames.HTTP_CODEC}) {
      if (p.get(name) != null) {
        p.remove(name);
      }
    }
    p.remove(PipelineNames.ROUTER);
    install.accept(p);
    Http2ConnectStream.accepted(p);
  }
}
