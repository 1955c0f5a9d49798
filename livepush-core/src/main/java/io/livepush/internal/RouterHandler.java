package io.livepush.internal;

import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.RequestInfo;
import io.livepush.spi.HttpResponses;
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
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each complete request to the first transport that claims it, then to the plain HTTP services, else
 * answers 404. Malformed requests get 400, an over-long request line 414, over-large headers 431 (RFC 6585 §5).
 * Releases every request after dispatch ({@link SimpleChannelInboundHandler}); transports retain to keep one.
 */
@ChannelHandler.Sharable
public final class RouterHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(RouterHandler.class);

  private final List<Transport> transports;
  private final List<HttpService> services;

  public RouterHandler(List<Transport> transports, List<HttpService> services) {
    this.transports = transports;
    this.services = services;
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
    for (Transport t : transports) {
      if (t.handle(ctx, request)) {
        if (deadline != null && ctx.pipeline().get(PipelineNames.REQUEST_DEADLINE) == deadline) {
          ctx.pipeline().remove(deadline); // a stream (or its own handshake timeout) takes over
        }
        return;
      }
    }
    if (!services.isEmpty()) {
      RequestInfo info = new DefaultRequestInfo(request, ctx.channel().remoteAddress());
      byte[] body = ByteBufUtil.getBytes(request.content());
      for (HttpService s : services) {
        HttpReply reply;
        try {
          reply = s.handle(info, body);
        } catch (RuntimeException e) {
          LOG.warn("HTTP service failed on {}", info, e);
          HttpResponses.sendError(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error", null);
          return;
        }
        if (reply != null) {
          send(ctx, request, reply);
          if (deadline != null && ctx.channel().isActive()) {
            deadline.arm(); // keep-alive: the next request head has the same deadline
          }
          return;
        }
      }
    }
    HttpResponses.sendError(ctx, HttpResponseStatus.NOT_FOUND, "no route for this path", null);
  }

  private static void send(ChannelHandlerContext ctx, FullHttpRequest request, HttpReply reply) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.valueOf(reply.status()), ctx.alloc().buffer(reply.body().length).writeBytes(reply.body()));
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, reply.contentType())
        .setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
    reply.headers().forEach((k, v) -> response.headers().set(k, v));
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
    LOG.debug("closing {} after error", ctx.channel(), cause);
    ctx.close();
  }
}
