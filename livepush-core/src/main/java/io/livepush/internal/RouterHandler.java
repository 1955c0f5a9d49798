package io.livepush.internal;

import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.RequestInfo;
import io.livepush.spi.HttpResponses;
import io.livepush.spi.LogSafe;
import io.livepush.spi.PipelineNames;
import io.livepush.spi.Transport;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each complete request to the first transport that claims it, then to the plain HTTP services, else
 * answers 404. Before routing, in this order: a malformed request gets 400, an over-long request line 414,
 * over-large headers 431 (RFC 6585 §5); an HTTP version other than 1.0 and 1.1 gets 505 (RFC 9110 §15.6.6); a
 * request-target or {@code Host} header that breaks RFC 9112 §3.2 gets 400 (see {@link RequestTarget}; an
 * absolute-form target is rewritten to its origin form); {@code CONNECT} gets 405; a host outside the
 * configured allow-list gets 421 Misdirected Request (RFC 9110 §15.5.20; DNS rebinding); {@code OPTIONS *}
 * gets 204 with {@code Allow} (RFC 9110 §9.3.7).
 *
 * <p>{@code HEAD} (RFC 9110 §9.3.2): a {@code HEAD} no service answers is offered again as {@code GET}, and
 * Netty's response encoder sends the status and headers of the answer without its body. Every reply carries
 * {@code X-Content-Type-Options: nosniff}. Releases every request after dispatch
 * ({@link SimpleChannelInboundHandler}); transports retain to keep one.
 */
@ChannelHandler.Sharable
public final class RouterHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(RouterHandler.class);

  /** The methods livepush's transports serve: the {@code Allow} of {@code OPTIONS *} and of 405 on CONNECT. */
  static final String ALLOW_ANY = "GET, HEAD, POST, OPTIONS";

  private final List<Transport> transports;
  private final List<HttpService> services;
  private final Set<String> allowedHosts;

  public RouterHandler(List<Transport> transports, List<HttpService> services) {
    this(transports, services, Set.of());
  }

  /**
   * @param allowedHosts lower-case {@code host} (any port) or {@code host:port} entries; empty allows every
   *     host
   */
  public RouterHandler(List<Transport> transports, List<HttpService> services, Set<String> allowedHosts) {
    this.transports = transports;
    this.services = services;
    this.allowedHosts = Set.copyOf(allowedHosts);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (!ctx.channel().isWritable()) {
      // A keep-alive client pipelining requests without reading the responses: answering would take its
      // pending bytes past the outbound budget, so close instead (RFC 9112 §9.6: a server may close a
      // persistent connection; the client retries requests that got no response).
      ctx.close();
      return;
    }
    RequestDeadlineHandler deadline = (RequestDeadlineHandler) ctx.pipeline().get(PipelineNames.REQUEST_DEADLINE);
    if (deadline != null) {
      deadline.disarm();
    }
    DecoderResult result = request.decoderResult();
    if (result.isFailure()) {
      Throwable cause = result.cause();
      if (cause instanceof TooLongHttpHeaderException) {
        HttpResponses.sendError(ctx, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request headers too large", null);
      } else if (cause instanceof TooLongHttpLineException) {
        HttpResponses.sendError(ctx, HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long", null);
      } else if (cause instanceof TooLongFrameException) {
        HttpResponses.sendError(ctx, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request too large", null);
      } else {
        HttpResponses.sendError(ctx, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request", null);
      }
      return;
    }
    if (!checkHead(ctx, request)) {
      return;
    }
    for (Transport t : transports) {
      if (t.handle(ctx, request)) {
        if (deadline != null && ctx.pipeline().get(PipelineNames.REQUEST_DEADLINE) == deadline) {
          ctx.pipeline().remove(deadline); // a stream (or its own handshake timeout) takes over
        }
        return;
      }
    }
    if (!services.isEmpty()) {
      DefaultRequestInfo info = new DefaultRequestInfo(request, ctx.channel().remoteAddress());
      byte[] body = ByteBufUtil.getBytes(request.content());
      Boolean answered = serve(ctx, request, info, body);
      if (answered == null) {
        return; // failed, already answered
      }
      if (!answered && HttpMethod.HEAD.equals(request.method())) {
        // RFC 9110 §9.3.2: HEAD is GET without the body; the codec drops the body of a HEAD's response.
        answered = serve(ctx, request, info.withMethod("GET"), body);
        if (answered == null) {
          return;
        }
      }
      if (answered) {
        if (deadline != null && ctx.channel().isActive()) {
          deadline.arm(); // keep-alive: the next request head has the same deadline
        }
        return;
      }
    }
    HttpResponses.sendError(ctx, HttpResponseStatus.NOT_FOUND, "no route for this path", null);
  }

  /** Offers the request to the services: true if one answered, false if none, null if one failed. */
  private Boolean serve(ChannelHandlerContext ctx, FullHttpRequest request, RequestInfo info, byte[] body) {
    for (HttpService s : services) {
      HttpReply reply;
      try {
        reply = s.handle(info, body);
      } catch (RuntimeException e) {
        LOG.warn("HTTP service failed on {}", info, LogSafe.throwable(e));
        HttpResponses.sendError(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error", null);
        return null;
      }
      if (reply != null) {
        send(ctx, request, reply);
        return true;
      }
    }
    return false;
  }

  /**
   * The checks of the request line and {@code Host} that precede routing (see the class javadoc); answers and
   * returns false when one fails. Rewrites an absolute-form target to its origin form.
   */
  private boolean checkHead(ChannelHandlerContext ctx, FullHttpRequest request) {
    HttpVersion v = request.protocolVersion();
    if (!"HTTP".equals(v.protocolName()) || v.majorVersion() != 1 || v.minorVersion() > 1) {
      HttpResponses.sendError(ctx, HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
          "HTTP version not supported (expected: HTTP/1.0 or HTTP/1.1)", null);
      return false;
    }
    RequestTarget target = RequestTarget.parse(request);
    if (target.error != null) {
      HttpResponses.sendError(ctx, HttpResponseStatus.BAD_REQUEST, target.error, null);
      return false;
    }
    if (target.originForm == null) { // CONNECT: livepush is no proxy
      HttpResponses.sendError(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "CONNECT is not served",
          new DefaultHttpHeaders().set(HttpHeaderNames.ALLOW, ALLOW_ANY));
      return false;
    }
    if (!allowedHosts.isEmpty() && !hostAllowed(target)) {
      HttpResponses.sendError(ctx, HttpResponseStatus.MISDIRECTED_REQUEST, "host not served here", null);
      return false;
    }
    if (target.asterisk) {
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
      response.headers().set(HttpHeaderNames.ALLOW, ALLOW_ANY);
      writeKeepingAlive(ctx, request, response);
      return false;
    }
    if (!target.originForm.equals(request.uri())) {
      request.setUri(target.originForm);
    }
    return true;
  }

  private boolean hostAllowed(RequestTarget target) {
    if (target.host == null) {
      return false;
    }
    return allowedHosts.contains(target.host)
        || (target.port >= 0 && allowedHosts.contains(target.host + ':' + target.port));
  }

  private static void send(ChannelHandlerContext ctx, FullHttpRequest request, HttpReply reply) {
    FullHttpResponse response;
    if (reply.status() == 204) { // RFC 9110 §8.6, §15.3.5: no content, no Content-Length
      response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
    } else {
      response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()),
          ctx.alloc().buffer(reply.body().length).writeBytes(reply.body()));
      response.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, reply.contentType())
          .setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
    }
    reply.headers().forEach((k, v) -> response.headers().set(k, v));
    writeKeepingAlive(ctx, request, response);
  }

  private static void writeKeepingAlive(ChannelHandlerContext ctx, FullHttpRequest request,
      FullHttpResponse response) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    response.headers().set(HttpResponses.X_CONTENT_TYPE_OPTIONS, HttpResponses.NOSNIFF);
    if (keepAlive) {
      ctx.writeAndFlush(response, ctx.voidPromise());
      if (!ctx.channel().isWritable()) {
        ctx.channel().config().setAutoRead(false); // read the next request once this response has drained
      }
    } else {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      ctx.channel().config().setAutoRead(true);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("closing {} after error", ctx.channel(), LogSafe.throwable(cause));
    ctx.close();
  }
}
