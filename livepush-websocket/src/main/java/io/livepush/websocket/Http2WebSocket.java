package io.livepush.websocket;

import io.livepush.CapacityExceededException;
import io.livepush.spi.AdmittedRequest;
import io.livepush.spi.ExtendedConnect;
import io.livepush.spi.HttpResponses;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.util.concurrent.CompletionStage;

/**
 * WebSocket over an HTTP/2 stream (RFC 8441): the extended CONNECT with {@code :protocol websocket} instead of
 * the HTTP/1.1 Upgrade. The same checks as the Upgrade (origin, {@code Sec-WebSocket-Version: 13}, RFC 8441 §5),
 * the same admission stage, then {@code 200} (with {@code Sec-WebSocket-Protocol: livepush.v1} when the client
 * offered it) instead of {@code 101}; there is no {@code Sec-WebSocket-Key}/{@code Accept} exchange (§5). The
 * stream then carries RFC 6455 frames through Netty's frame decoder and encoder and the
 * same {@link WsHandler} as an HTTP/1.1 connection: one livepush.v1 session per stream, with the same limits.
 * permessage-deflate is not negotiated over HTTP/2. On the stream's event loop.
 */
final class Http2WebSocket {
  private Http2WebSocket() {}

  /** Answers the extended CONNECT {@code request}; the caller has matched its path. */
  static void handle(WebSocketTransport transport, ChannelHandlerContext ctx, FullHttpRequest request) {
    HttpHeaders h = request.headers();
    if (!transport.originAllowed(h.get(HttpHeaderNames.ORIGIN), h.get(HttpHeaderNames.HOST))) {
      HttpResponses.sendError(ctx, HttpResponseStatus.FORBIDDEN, "origin not allowed", null);
      return;
    }
    String version = h.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
    if (version == null || !"13".equals(version.trim())) {
      // RFC 8441 §5 keeps RFC 6455's version check; 426 names the one served, as over HTTP/1.1
      HttpResponses.sendError(ctx, HttpResponseStatus.UPGRADE_REQUIRED, "unsupported WebSocket version",
          new DefaultHttpHeaders().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13"));
      return;
    }
    String subprotocol = transport.echo ? null : selectedSubprotocol(h.getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL));
    request.retain(); // the stage may complete after this returns (an asynchronous authenticator)
    CompletionStage<AdmittedRequest> admission;
    try {
      admission = transport.context.admit(ctx.channel(), request, null);
    } catch (RuntimeException e) {
      request.release();
      throw e;
    }
    admission.whenComplete((admitted, error) -> {
      try {
        if (error == null || error instanceof CapacityExceededException) {
          accept(transport, ctx, request, subprotocol, admitted); // over capacity: accept, then close 1013
        } else {
          transport.refuse(ctx, error);
        }
      } finally {
        request.release();
      }
    });
  }

  private static void accept(WebSocketTransport transport, ChannelHandlerContext ctx, FullHttpRequest request,
      String subprotocol, AdmittedRequest admitted) {
    if (!ctx.channel().isActive()) {
      if (admitted != null) {
        admitted.release();
      }
      return;
    }
    HttpHeaders response = new DefaultHttpHeaders();
    if (subprotocol != null) {
      response.set(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, subprotocol);
    }
    WebSocketDecoderConfig decoder = transport.decoderConfig().toBuilder().allowExtensions(false).build();
    WsHandler handler = new WsHandler(transport, admitted);
    ExtendedConnect.accept(ctx, response, p -> {
      p.addLast("wsdecoder", new WebSocket13FrameDecoder(decoder));
      p.addLast("wsencoder", new WebSocket13FrameEncoder(false));
      p.addLast(WebSocketTransport.HANDLER, handler);
      // What Netty's handshaker announces after a 101: the handler opens the session (or closes 1013), before
      // the client's first frame is read.
      p.fireUserEventTriggered(new WebSocketServerProtocolHandler.HandshakeComplete(request.uri(),
          request.headers(), subprotocol));
    });
  }

  /** {@value WebSocketTransport#SUBPROTOCOL} when the client offered it (RFC 6455 §4.2.2), else none. */
  private static String selectedSubprotocol(java.util.List<String> offered) {
    for (String value : offered) {
      for (String p : value.split(",")) {
        if (p.trim().equals(WebSocketTransport.SUBPROTOCOL)) {
          return WebSocketTransport.SUBPROTOCOL;
        }
      }
    }
    return null;
  }
}
