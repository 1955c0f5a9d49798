package io.livepush.internal;

import io.livepush.AuthenticationException;
import io.livepush.CapacityExceededException;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.spi.HttpResponses;
import io.livepush.spi.LogSafe;
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
import io.netty.handler.codec.http.HttpMethod;
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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each complete request to the first transport that claims it, then to the plain HTTP services, then
 * (authenticated by the server's {@link io.livepush.Authenticator}) to the authenticated ones, else answers 404.
 * Services run where {@link Callbacks} says (the blocking executor unless non-blocking); while one answers, the
 * connection reads nothing and requests already read wait, so answers keep request order (RFC 9112 §9.3.2).
 * Before routing, in this order: a malformed request gets 400, an over-long request line 414,
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
 *
 * <h2>Pipelining (RFC 9112 §9.3.2)</h2>
 * While a request is answered asynchronously (an HTTP service on another thread, or a transport's admission
 * step: authenticator, authorizer) the connection reads nothing, but the requests the codec had already read
 * (one read is at most 8 KiB) wait, in order, on the connection: at most {@link #MAX_WAITING} of them. One more
 * closes the connection at once, with no answer to any of them, the one being answered included (answers must
 * keep request order, so a later request cannot be refused alone; a client retries requests a closed connection
 * did not answer, RFC 9112 §9.3.1). Behind a service they are then served in order; behind a transport's request
 * they get no answer: that request ends as a stream (which owns the connection) or with an error that closes it,
 * and they are released.
 */
@ChannelHandler.Sharable
public final class RouterHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(RouterHandler.class);

  /** The methods livepush's transports serve: the {@code Allow} of {@code OPTIONS *} and of 405 on CONNECT. */
  static final String ALLOW_ANY = "GET, HEAD, POST, OPTIONS";
  /**
   * Requests that arrived (pipelined) while an earlier one is answered asynchronously; at most
   * {@link #MAX_WAITING}.
   */
  private static final AttributeKey<ArrayDeque<FullHttpRequest>> WAITING =
      AttributeKey.valueOf("livepush.router.waiting");
  /**
   * Requests a connection may have waiting behind an asynchronous answer (see the class javadoc, "Pipelining");
   * one more closes the connection.
   */
  public static final int MAX_WAITING = 16;
  /** The close scheduled while a connection is over its outbound budget (see {@link #stallNanos}). */
  private static final AttributeKey<ScheduledFuture<?>> STALL = AttributeKey.valueOf("livepush.router.stall");

  private final List<Transport> transports;
  private final List<HttpService> services;
  private final Set<String> allowedHosts;
  private final List<HttpService> authenticated;
  private final Admission admission;
  private final Callbacks callbacks;
  /**
   * How long a plain HTTP connection may stay over its outbound budget (unwritable) before it is closed: a
   * keep-alive client that does not read its responses, whose next request is never read (autoRead off) and
   * whose error response's close never comes (the write never completes). The sessions' stall bound
   * ({@code heartbeatInterval + heartbeatTimeout}); 0: no bound.
   */
  private final long stallNanos;

  /** Services only, on the event loop (tests). */
  public RouterHandler(List<Transport> transports, List<HttpService> services) {
    this(transports, services, Set.of(), List.of(), null, null, 0);
  }

  /**
   * @param allowedHosts lower-case {@code host} (any port) or {@code host:port} entries; empty allows every
   *     host
   * @param authenticated services behind the authenticator, asked after {@code services}
   * @param callbacks where services run; {@code null}: directly on the event loop (tests)
   * @param stallNanos how long a connection may stay over its outbound budget before it is closed; 0: no bound
   */
  public RouterHandler(List<Transport> transports, List<HttpService> services, Set<String> allowedHosts,
      List<HttpService> authenticated, Admission admission, Callbacks callbacks, long stallNanos) {
    this.stallNanos = stallNanos;
    this.transports = transports;
    this.services = services;
    this.allowedHosts = Set.copyOf(allowedHosts);
    this.authenticated = authenticated;
    this.admission = admission;
    this.callbacks = callbacks;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    Channel ch = ctx.channel();
    if (!ctx.channel().isWritable()) {
      // A keep-alive client pipelining requests without reading the responses: answering would take its
      // pending bytes past the outbound budget, so close instead (RFC 9112 §9.6: a server may close a
      // persistent connection; the client retries requests that got no response).
      ctx.close();
      return;
    }
    if (ch.hasAttr(WAITING)) {
      ArrayDeque<FullHttpRequest> waiting = ch.attr(WAITING).get();
      if (waiting != null) {
        // An HTTP service is answering an earlier request: answers go out in request order (RFC 9112 §9.3.2).
        if (waiting.size() >= MAX_WAITING) {
          LOG.debug("closing {}: more than {} requests pipelined behind an asynchronous answer", ch, MAX_WAITING);
          ctx.close();
          return;
        }
        waiting.add(request.retain());
        return;
      }
    }
    dispatch(ctx, request);
  }

  /** Whether a transport accepts HTTP/2 extended CONNECT (RFC 8441): the connections then advertise it. */
  boolean extendedConnect() {
    return transports.stream().anyMatch(t -> !t.http2ConnectProtocols().isEmpty());
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
    if (!checkHead(ctx, request)) {
      return;
    }
    for (Transport t : transports) {
      if (t.handle(ctx, request)) {
        if (deadline != null && ctx.pipeline().get(PipelineNames.REQUEST_DEADLINE) == deadline) {
          ctx.pipeline().remove(deadline); // a stream (or its own handshake timeout) takes over
        }
        Channel ch = ctx.channel();
        if (!ctx.isRemoved() && ch.isActive() && !ch.config().isAutoRead() && !ch.hasAttr(WAITING)) {
          // Its admission waits on another thread (Admission paused reading): requests read in the same
          // chunk must not be answered before it. It ends as a stream (handlerRemoved) or closed: they are
          // released then, unanswered, like anything a stream's client sends.
          ch.attr(WAITING).set(new ArrayDeque<>());
        }
        return;
      }
    }
    if (services.isEmpty() && authenticated.isEmpty()) {
      HttpResponses.sendError(ctx, HttpResponseStatus.NOT_FOUND, "no route for this path", null);
      return;
    }
    Exchange x = new Exchange(ctx, deadline, new DefaultRequestInfo(request, ClientAddress.of(ctx.channel())),
        ByteBufUtil.getBytes(request.content()), HttpUtil.isKeepAlive(request),
        HttpMethod.HEAD.equals(request.method()));
    x.serve(services, 0);
  }

  /** One request on its way through the services; every step runs on the connection's loop. */
  private final class Exchange {
    final ChannelHandlerContext ctx;
    final RequestDeadlineHandler deadline;
    DefaultRequestInfo info;
    final byte[] body;
    final boolean keepAlive;
    /** A HEAD not answered yet as such: offered again as GET (RFC 9110 §9.3.2). */
    boolean headPending;
    boolean authenticatedOnce;
    boolean waiting;

    Exchange(ChannelHandlerContext ctx, RequestDeadlineHandler deadline, DefaultRequestInfo info, byte[] body,
        boolean keepAlive, boolean head) {
      this.ctx = ctx;
      this.deadline = deadline;
      this.info = info;
      this.body = body;
      this.keepAlive = keepAlive;
      this.headPending = head;
    }

    /** Asks {@code list} from {@code i} on; then the authenticated services; then HEAD as GET; else 404. */
    void serve(List<HttpService> list, int i) {
      if (i == list.size()) {
        if (list == services && !authenticated.isEmpty()) {
          if (authenticatedOnce) {
            serve(authenticated, 0);
          } else {
            authenticate();
          }
        } else if (headPending) {
          // RFC 9110 §9.3.2: HEAD is GET without the body; the codec drops the body of a HEAD's response.
          headPending = false;
          info = info.withMethod("GET");
          serve(services, 0);
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
      AuthenticationException throttled = admission.throttled(info.remoteAddress());
      if (throttled != null) {
        refuse(throttled);
        return;
      }
      then(admission.authenticate(info), outcome -> {
        try {
          info = info.withPrincipal(admission.principal(info, outcome));
          authenticatedOnce = true;
        } catch (AuthenticationException e) {
          refuse(e);
          return;
        } catch (RuntimeException e) {
          fail(e);
          return;
        }
        serve(authenticated, 0);
      });
    }

    private void refuse(AuthenticationException e) {
      HttpHeaders h = null;
      if (e.challenge() != null) {
        h = new DefaultHttpHeaders().set(HttpHeaderNames.WWW_AUTHENTICATE, e.challenge());
      }
      if (e.retryAfterSeconds() > 0) {
        h = (h != null ? h : new DefaultHttpHeaders()).setInt(HttpHeaderNames.RETRY_AFTER, e.retryAfterSeconds());
      }
      HttpResponses.sendError(ctx, HttpResponseStatus.valueOf(e.httpStatus()), e.getMessage(), h);
      done();
    }

    private void fail(Throwable e) {
      if (e instanceof CapacityExceededException) {
        HttpResponses.sendError(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, e.getMessage(),
            new DefaultHttpHeaders().setInt(HttpHeaderNames.RETRY_AFTER,
                ((CapacityExceededException) e).retryAfterSeconds()));
      } else {
        LOG.warn("HTTP service failed on {}", info, LogSafe.throwable(e));
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
      // over the outbound budget, channelWritabilityChanged resumes reading once the answers drained
      ctx.channel().config().setAutoRead(ctx.channel().isWritable());
      // Serve them in order until one goes asynchronous too; once the connection closed or became a stream
      // (this handler removed), the rest are only released.
      FullHttpRequest next;
      while (queued != null && (next = queued.poll()) != null) {
        try {
          if (ctx.channel().isActive() && !ctx.isRemoved()) {
            channelRead0(ctx, next);
          }
        } finally {
          next.release();
        }
        ArrayDeque<FullHttpRequest> now = ctx.channel().hasAttr(WAITING) ? ctx.channel().attr(WAITING).get() : null;
        if (now != null) {
          // That request went asynchronous too: hand it the rest, still in order.
          while ((next = queued.poll()) != null) {
            now.add(next);
          }
          return;
        }
      }
    }
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
      writeKeepingAlive(ctx, HttpUtil.isKeepAlive(request), response);
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

  private static void send(ChannelHandlerContext ctx, boolean keepAlive, HttpReply reply) {
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
    writeKeepingAlive(ctx, keepAlive, response);
  }

  private static void writeKeepingAlive(ChannelHandlerContext ctx, boolean keepAlive,
      FullHttpResponse response) {
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
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelStall(ctx.channel());
    releaseWaiting(ctx.channel());
    ctx.fireChannelInactive();
  }

  /** Releases the requests that waited and will get no answer (the connection closed or became a stream). */
  private static void releaseWaiting(Channel ch) {
    if (ch.hasAttr(WAITING)) {
      ArrayDeque<FullHttpRequest> waiting = ch.attr(WAITING).getAndSet(null);
      FullHttpRequest r;
      while (waiting != null && (r = waiting.poll()) != null) {
        r.release();
      }
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    Channel ch = ctx.channel();
    if (ch.isWritable()) {
      cancelStall(ch);
      if (!(ch.hasAttr(WAITING) && ch.attr(WAITING).get() != null)) {
        // not while an HTTP service is answering: done() resumes reading then
        ch.config().setAutoRead(true);
      }
    } else if (stallNanos > 0 && ch.attr(STALL).get() == null) {
      // Over the budget: drained below the low mark within the stall bound, or closed (RFC 9112 §9.6).
      ch.attr(STALL).set(ctx.executor().schedule(() -> {
        ch.attr(STALL).set(null);
        if (!ch.isWritable() && ch.pipeline().get(RouterHandler.class) == this) {
          LOG.debug("closing {}: over its outbound budget for the stall bound", ch);
          ch.close();
        }
      }, stallNanos, TimeUnit.NANOSECONDS));
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancelStall(ctx.channel()); // a stream took over: its session has its own stall bound
    releaseWaiting(ctx.channel()); // and owns the connection: requests pipelined behind it get no answer
  }

  private static void cancelStall(Channel ch) {
    if (ch.hasAttr(STALL)) {
      ScheduledFuture<?> stall = ch.attr(STALL).getAndSet(null);
      if (stall != null) {
        stall.cancel(false);
      }
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("closing {} after error", ctx.channel(), LogSafe.throwable(cause));
    ctx.close();
  }
}
