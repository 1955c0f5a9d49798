package io.livepush.internal;

import io.livepush.AuthenticationException;
import io.livepush.CapacityExceededException;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.spi.HttpResponses;
import io.livepush.spi.PipelineNames;
import io.livepush.spi.Transport;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AttributeKey;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each complete request to the first transport that claims it, then to the plain HTTP services, then
 * (authenticated) to the authenticated ones, else answers 404. Services run where {@link Callbacks} says; while
 * one answers, the connection reads nothing and requests already read wait, so answers keep request order. Malformed requests get 400, an over-long request line 414, over-large headers 431 (RFC 6585 §5).
 * Releases every request after dispatch ({@link SimpleChannelInboundHandler}); transports retain to keep one.
 */
@ChannelHandler.Sharable
public final class RouterHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(RouterHandler.class);

  /** Requests that arrived (pipelined) while an HTTP service was answering an earlier one; bounded. */
  private static final AttributeKey<ArrayDeque<FullHttpRequest>> WAITING =
      AttributeKey.valueOf("livepush.router.waiting");
  /** Pipelined requests a connection may have waiting; one more closes it. */
  static final int MAX_WAITING = 16;

  private final List<Transport> transports;
  private final List<HttpService> services;
  private final List<HttpService> authenticated;
  private final Admission admission;
  private final Callbacks callbacks;

  /** Services only, on the event loop (tests). */
  public RouterHandler(List<Transport> transports, List<HttpService> services) {
    this(transports, services, List.of(), null, null);
  }

  public RouterHandler(List<Transport> transports, List<HttpService> services, List<HttpService> authenticated,
      Admission admission, Callbacks callbacks) {
    this.transports = transports;
    this.services = services;
    this.authenticated = authenticated;
    this.admission = admission;
    this.callbacks = callbacks;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    Channel ch = ctx.channel();
    if (ch.hasAttr(WAITING)) {
      ArrayDeque<FullHttpRequest> waiting = ch.attr(WAITING).get();
      if (waiting != null) {
        // An HTTP service is answering an earlier request: answers go out in request order (RFC 9112 §9.3.2).
        if (waiting.size() >= MAX_WAITING) {
          ctx.close();
          return;
        }
        waiting.add(request.retain());
        return;
      }
    }
    dispatch(ctx, request);
  }

  private void dispatch(ChannelHandlerContext ctx, FullHttpRequest request) {
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
    if (services.isEmpty() && authenticated.isEmpty()) {
      HttpResponses.sendError(ctx, HttpResponseStatus.NOT_FOUND, "no route for this path", null);
      return;
    }
    Exchange x = new Exchange(ctx, deadline, new DefaultRequestInfo(request, ctx.channel().remoteAddress()),
        ByteBufUtil.getBytes(request.content()), HttpUtil.isKeepAlive(request));
    x.serve(services, 0);
  }

  /** One request on its way through the services; every step runs on the connection's loop. */
  private final class Exchange {
    final ChannelHandlerContext ctx;
    final RequestDeadlineHandler deadline;
    DefaultRequestInfo info;
    final byte[] body;
    final boolean keepAlive;
    boolean waiting;

    Exchange(ChannelHandlerContext ctx, RequestDeadlineHandler deadline, DefaultRequestInfo info, byte[] body,
        boolean keepAlive) {
      this.ctx = ctx;
      this.deadline = deadline;
      this.info = info;
      this.body = body;
      this.keepAlive = keepAlive;
    }

    /** Asks {@code list} from {@code i} on; then the authenticated services; else 404. */
    void serve(List<HttpService> list, int i) {
      if (i == list.size()) {
        if (list == services && !authenticated.isEmpty()) {
          authenticate();
        } else {
          HttpResponses.sendError(ctx, HttpResponseStatus.NOT_FOUND, "no route for this path", null);
          done();
        }
        return;
      }
      HttpService s = list.get(i);
      CompletionStage<HttpReply> reply = callbacks == null
          ? CompletableFuture.completedFuture(s.handle(info, body))
          : callbacks.call(() -> s.handle(info, body, callbacks.executorFor(s)));
      then(reply, outcome -> {
        HttpReply r;
        try {
          r = outcome.join();
        } catch (CompletionException | CancellationException e) {
          fail(e.getCause() != null ? e.getCause() : e);
          return;
        }
        if (r == null) {
          serve(list, i + 1);
        } else {
          send(ctx, keepAlive, r);
          done();
        }
      });
    }

    private void authenticate() {
      then(admission.authenticate(info), outcome -> {
        try {
          info = info.withPrincipal(admission.principal(info, outcome));
        } catch (AuthenticationException e) {
          HttpHeaders h = null;
          if (e.challenge() != null) {
            h = new DefaultHttpHeaders().set(HttpHeaderNames.WWW_AUTHENTICATE, e.challenge());
          }
          HttpResponses.sendError(ctx, HttpResponseStatus.valueOf(e.httpStatus()), e.getMessage(), h);
          done();
          return;
        } catch (RuntimeException e) {
          fail(e);
          return;
        }
        serve(authenticated, 0);
      });
    }

    private void fail(Throwable e) {
      if (e instanceof CapacityExceededException) {
        HttpResponses.sendError(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, e.getMessage(),
            new DefaultHttpHeaders().setInt(HttpHeaderNames.RETRY_AFTER,
                ((CapacityExceededException) e).retryAfterSeconds()));
      } else {
        LOG.warn("HTTP service failed on {}", info, e);
        HttpResponses.sendError(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error", null);
      }
      done();
    }

    /** Runs {@code step} on the loop once {@code stage} completed; meanwhile later requests wait. */
    private <T> void then(CompletionStage<T> stage, java.util.function.Consumer<CompletableFuture<T>> step) {
      CompletableFuture<T> f = stage.toCompletableFuture();
      if (f.isDone()) {
        step.accept(f);
        return;
      }
      if (!waiting) {
        waiting = true;
        ctx.channel().config().setAutoRead(false);
        ctx.channel().attr(WAITING).set(new ArrayDeque<>());
      }
      f.whenComplete((v, e) -> ctx.executor().execute(() -> {
        if (ctx.channel().isActive()) {
          step.accept(f);
        } else {
          done();
        }
      }));
    }

    /** The answer is written: re-arm the head deadline, then serve requests that waited, in order. */
    private void done() {
      if (deadline != null && ctx.channel().isActive()) {
        deadline.arm(); // keep-alive: the next request head has the same deadline
      }
      if (!waiting) {
        return;
      }
      ArrayDeque<FullHttpRequest> queued = ctx.channel().attr(WAITING).getAndSet(null);
      ctx.channel().config().setAutoRead(true);
      FullHttpRequest next;
      while (queued != null && (next = queued.poll()) != null) {
        try {
          if (ctx.channel().isActive()) {
            channelRead0(ctx, next);
          }
        } finally {
          next.release();
        }
        if (ctx.channel().hasAttr(WAITING) && ctx.channel().attr(WAITING).get() != null) {
          // That request went asynchronous too: hand it the rest, still in order.
          ArrayDeque<FullHttpRequest> now = ctx.channel().attr(WAITING).get();
          while ((next = queued.poll()) != null) {
            now.add(next);
          }
          return;
        }
      }
    }
  }

  private static void send(ChannelHandlerContext ctx, boolean keepAlive, HttpReply reply) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.valueOf(reply.status()), ctx.alloc().buffer(reply.body().length).writeBytes(reply.body()));
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, reply.contentType())
        .setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
    reply.headers().forEach((k, v) -> response.headers().set(k, v));
    if (keepAlive) {
      ctx.writeAndFlush(response, ctx.voidPromise());
    } else {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (ctx.channel().hasAttr(WAITING)) {
      ArrayDeque<FullHttpRequest> waiting = ctx.channel().attr(WAITING).getAndSet(null);
      FullHttpRequest r;
      while (waiting != null && (r = waiting.poll()) != null) {
        r.release();
      }
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("closing {} after error", ctx.channel(), cause);
    ctx.close();
  }
}
