package io.livepush.sse;

import io.livepush.CapacityExceededException;
import io.livepush.CloseReason;
import io.livepush.NonBlocking;
import io.livepush.RequestInfo;
import io.livepush.spi.AdmittedRequest;
import io.livepush.spi.HttpResponses;
import io.livepush.spi.LogSafe;
import io.livepush.spi.Session;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A one-off stream ({@link SseStreamHandler}): the handler decides on the whole request first (authenticated and
 * admitted by the core's admission stage) where its callbacks run — on the blocking executor, or on the loop
 * when it is {@link NonBlocking}. Meanwhile the connection reads nothing. Back on the loop, a rejection gives
 * the admission slot back and is a complete response; an acceptance writes the head, opens the session and
 * hands the emitter to the consumer, on the handler's executor again.
 */
final class OneOffStream {
  private static final Logger LOG = LoggerFactory.getLogger(SseStreamHandler.class);

  private OneOffStream() {}

  /** On the channel's loop, right after admission. {@code request} is the caller's: retained here to keep it. */
  static void open(SseTransport transport, ChannelHandlerContext ctx, FullHttpRequest request,
      AdmittedRequest admitted, SseStreamHandler handler, Map<String, String> vars) {
    RequestInfo info = admitted.request();
    Executor where = transport.context.callbackExecutor(handler);
    StreamRequest streamRequest = new StreamRequest(info, admitted.principal(), vars,
        ByteBufUtil.getBytes(request.content()));
    CompletableFuture<StreamResponse> decision =
        transport.context.callCallback(() -> handler.onRequest(streamRequest, where)).toCompletableFuture();
    if (decision.isDone()) {
      decide(transport, ctx, request, admitted, decision, where);
      return;
    }
    CompletableFuture<StreamResponse> pending = decision;
    Channel channel = ctx.channel();
    channel.config().setAutoRead(false); // no pipelined request may overtake the decision
    // A client that goes away meanwhile gives its slot back now, not when (or if) the handler decides. Seen with
    // reading paused on epoll (EPOLLRDHUP); on NIO when the decision comes. release() is idempotent.
    ChannelFutureListener giveBack = f -> admitted.release();
    channel.closeFuture().addListener(giveBack);
    request.retain();
    pending.whenComplete((answer, error) -> {
      channel.closeFuture().removeListener(giveBack);
      try {
        channel.eventLoop().execute(() -> {
          try {
            channel.config().setAutoRead(true);
            decide(transport, ctx, request, admitted, pending, where);
          } finally {
            request.release();
          }
        });
      } catch (RejectedExecutionException stopped) { // the loop is gone: the server stopped
        request.release();
        admitted.release();
      }
    });
  }

  private static void decide(SseTransport transport, ChannelHandlerContext ctx, FullHttpRequest request,
      AdmittedRequest admitted, CompletableFuture<StreamResponse> decision, Executor where) {
    RequestInfo info = admitted.request();
    if (!ctx.channel().isActive()) {
      admitted.release();
      return;
    }
    StreamResponse answer;
    try {
      answer = decision.join();
      if (answer == null) {
        throw new NullPointerException("handler answered null");
      }
    } catch (RuntimeException e) {
      admitted.release();
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      if (cause instanceof CapacityExceededException) {
        transport.refuse(ctx, request, cause);
        return;
      }
      LOG.warn("SSE stream handler failed for {}", info, LogSafe.throwable(cause));
      HttpResponses.sendError(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error",
          transport.corsHeaders(request, null));
      return;
    }
    if (!answer.accepted()) {
      admitted.release();
      reject(transport, ctx, request, answer);
      return;
    }
    Session session = transport.startSession(ctx, request, admitted, true);
    ctx.channel().flush();
    SseEmitter emitter = new SseEmitter(session, transport.context.objectMapper(),
        transport.context.config().maxPendingOutboundBytes());
    Runnable stream = () -> {
      try {
        answer.stream().accept(emitter);
      } catch (RuntimeException e) {
        LOG.warn("SSE stream handler failed for {}", info, LogSafe.throwable(e));
        closeOnLoop(session, ctx, CloseReason.INTERNAL_ERROR);
      }
    };
    try {
      where.execute(stream);
    } catch (RejectedExecutionException e) {
      LOG.warn("SSE stream for {} not started: callback executor full", info);
      session.close(CloseReason.INTERNAL_ERROR);
    }
  }

  private static void closeOnLoop(Session session, ChannelHandlerContext ctx, CloseReason reason) {
    if (ctx.channel().eventLoop().inEventLoop()) {
      session.close(reason);
    } else {
      ctx.channel().eventLoop().execute(() -> session.close(reason));
    }
  }

  private static void reject(SseTransport transport, ChannelHandlerContext ctx, FullHttpRequest request,
      StreamResponse answer) {
    byte[] body = answer.body();
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.valueOf(answer.status()), ctx.alloc().buffer(body.length).writeBytes(body));
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, answer.contentType())
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    answer.headers().forEach((k, v) -> response.headers().set(k, v));
    HttpHeaders cors = transport.corsHeaders(request, null);
    if (cors != null) {
      response.headers().add(cors);
    }
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }
}
