package io.livepush.spi;

import io.livepush.AuthenticationException;
import io.livepush.CapacityExceededException;
import io.livepush.EventId;
import io.livepush.InvalidEventIdException;
import io.livepush.LivePushException;
import io.livepush.Principal;
import io.livepush.Topics;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What HTTP transports that follow topics named in a GET (SSE, long-polling) read from the request, how they run
 * the admission stage and answer its refusal, and what reads the connection once the request is answered.
 * Stateless; the methods may run on any thread except {@link #admit} and {@link #refuse}, which run on the
 * request's event loop.
 */
public final class StreamRequests {
  private static final Logger LOG = LoggerFactory.getLogger(StreamRequests.class);

  private StreamRequests() {}

  /**
   * The topics named in the query, {@code ?topic=a&topic=b} or {@code ?topic=a,b}, validated, without
   * duplicates, in order.
   *
   * @param request the request
   * @return at least one topic
   * @throws LivePushException (400) when none is named, or {@link io.livepush.InvalidTopicException} for an
   *     invalid name
   */
  public static List<String> topicsFromQuery(FullHttpRequest request) {
    LinkedHashSet<String> out = new LinkedHashSet<>();
    Map<String, List<String>> query = new QueryStringDecoder(request.uri()).parameters();
    for (String value : query.getOrDefault("topic", List.of())) {
      for (String t : value.split(",", -1)) {
        if (!t.isEmpty()) {
          out.add(Topics.validate(t));
        }
      }
    }
    if (out.isEmpty()) {
      throw new LivePushException("name at least one topic: ?topic=a&topic=b", 400);
    }
    return new ArrayList<>(out);
  }

  /**
   * The position to resume from: the {@code Last-Event-ID} header, else the {@code lastEventId} query parameter
   * (reloaded pages, polyfills, long-polls); the header wins. Either may be {@code earliest}.
   *
   * @param request the request
   * @return the position, {@link EventId#EARLIEST}, or {@code null} when neither is given
   * @throws InvalidEventIdException (400) when the value is malformed or too long; spaces and tabs around it are
   *     ignored, any other control character (CR, LF, NUL, even around it) makes it malformed
   */
  public static EventId resumePosition(FullHttpRequest request) {
    String id = request.headers().get("Last-Event-ID");
    if (id == null || id.isEmpty()) {
      List<String> q = new QueryStringDecoder(request.uri()).parameters().get("lastEventId");
      id = q == null || q.isEmpty() ? null : q.get(0);
    }
    if (id == null || id.isEmpty()) {
      return null;
    }
    try {
      return EventId.parsePosition(withoutOws(id));
    } catch (InvalidEventIdException e) {
      throw new InvalidEventIdException("invalid Last-Event-ID: " + e.getMessage());
    }
  }

  /**
   * {@code s} without the optional whitespace around it (SP and HTAB, RFC 9110 §5.6.3). Not {@link String#trim}:
   * that also drops CR, LF and NUL, which a percent-decoded {@code lastEventId} may carry; those stay and are refused.
   */
  private static String withoutOws(String s) {
    int begin = 0;
    int end = s.length();
    while (begin < end && (s.charAt(begin) == ' ' || s.charAt(begin) == '\t')) {
      begin++;
    }
    while (end > begin && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
      end--;
    }
    return s.substring(begin, end);
  }

  /**
   * The time to resume from: the {@code since} query parameter, an RFC 3339 date-time ({@link ResumeTime}). It
   * applies only when the request names no id ({@link #resumePosition} is {@code null}): a browser's reconnect
   * sends {@code Last-Event-ID} to the same URL, and the id, which is exact, wins. Validated even then.
   *
   * @param request the request
   * @return the time, or {@code null} when the parameter is absent or empty
   * @throws io.livepush.InvalidEventIdException (400) when the value is malformed, or given twice
   */
  public static Instant resumeTime(FullHttpRequest request) {
    List<String> q = new QueryStringDecoder(request.uri()).parameters().get("since");
    if (q == null || q.isEmpty() || q.size() == 1 && q.get(0).isEmpty()) {
      return null;
    }
    if (q.size() > 1) {
      throw new InvalidEventIdException("give \"since\" at most once");
    }
    return ResumeTime.parse(q.get(0));
  }

  /**
   * What {@link #admitAt} hands over: the admitted request with each topic's resume position, or the failure.
   */
  @FunctionalInterface
  public interface AdmittedAt {
    /**
     * Receives the outcome on the request's event loop; must not block.
     *
     * @param admitted the admitted request, which the receiver owns; {@code null} on failure
     * @param positions topic to resume position ({@code null} value: live from now), in the admitted topics'
     *     order; {@code null} on failure
     * @param error the failure, unwrapped: the admission stage's, or {@link TransportContext#positionsAt}'s
     *     (the slot is then already released); {@code null} on success
     */
    void accept(AdmittedRequest admitted, Map<String, EventId> positions, Throwable error);
  }

  /**
   * As {@link #admit}, then resolves where each admitted topic resumes: {@code from} for every topic, else, when
   * {@code since} is given, {@link TransportContext#positionsAt} (only once admitted, so no unauthenticated
   * client makes the bus look anything up); the channel does not read while a bus answers. The request is
   * retained until {@code then} has run.
   *
   * @param context the transport's context
   * @param ctx the request's handler context; call on its event loop
   * @param request the request; retained while the stages run, then released once
   * @param topics the topics the request follows, as for {@link TransportContext#admit}; not {@code null}
   * @param from the id to resume from ({@link #resumePosition}), or {@code null}
   * @param since the time to resume from ({@link #resumeTime}), used only when {@code from} is {@code null}
   * @param then receives the outcome on the request's event loop
   * @throws RuntimeException what {@link TransportContext#admit} throws
   */
  public static void admitAt(TransportContext context, ChannelHandlerContext ctx, FullHttpRequest request,
      Function<Principal, List<String>> topics, EventId from, Instant since, AdmittedAt then) {
    admit(context, ctx, request, topics, (admitted, error) -> {
      if (error != null) {
        then.accept(null, null, error);
        return;
      }
      if (from != null || since == null) {
        LinkedHashMap<String, EventId> all = new LinkedHashMap<>();
        for (String t : admitted.topics()) {
          all.put(t, from);
        }
        then.accept(admitted, all, null);
        return;
      }
      request.retain();
      CompletableFuture<Map<String, EventId>> lookup;
      try {
        lookup = context.positionsAt(ctx.channel(), admitted.topics(), since).toCompletableFuture();
      } catch (RuntimeException e) {
        lookup = CompletableFuture.failedFuture(e);
      }
      boolean paused = !lookup.isDone();
      if (paused) {
        ctx.channel().config().setAutoRead(false); // no pipelined request overtakes this one meanwhile
      }
      lookup.whenComplete((positions, e) -> {
        if (paused) {
          ctx.channel().config().setAutoRead(true); // on the loop: the stage completes there
        }
        try {
          if (e != null) {
            admitted.release();
            then.accept(null, null, e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
          } else {
            then.accept(admitted, positions, null);
          }
        } finally {
          request.release();
        }
      });
    });
  }

  /**
   * Answers a refusal of {@link TransportContext#admit} as {@code text/plain} and closes: 401/403/429 with the
   * authenticator's challenge and {@code Retry-After}, 503 with {@code Retry-After}, a
   * {@link LivePushException}'s status, nothing for a closed channel, 500 for anything else (logged).
   *
   * @param ctx the request's handler context; on its event loop
   * @param error the stage's failure, unwrapped
   * @param headers headers every answer carries (CORS), added to; {@code null} for none
   */
  public static void refuse(ChannelHandlerContext ctx, Throwable error, HttpHeaders headers) {
    HttpHeaders h = headers != null ? headers : new DefaultHttpHeaders();
    if (error instanceof AuthenticationException) {
      AuthenticationException e = (AuthenticationException) error;
      if (e.challenge() != null) {
        h.set(HttpHeaderNames.WWW_AUTHENTICATE, e.challenge());
      }
      if (e.retryAfterSeconds() > 0) {
        h.setInt(HttpHeaderNames.RETRY_AFTER, e.retryAfterSeconds()); // 429: failed-authentication throttle
      }
      HttpResponses.sendError(ctx, HttpResponseStatus.valueOf(e.httpStatus()), e.getMessage(), h);
    } else if (error instanceof CapacityExceededException) {
      h.setInt(HttpHeaderNames.RETRY_AFTER, ((CapacityExceededException) error).retryAfterSeconds());
      HttpResponses.sendError(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, error.getMessage(), h);
    } else if (error instanceof LivePushException) {
      HttpResponses.sendError(ctx, HttpResponseStatus.valueOf(((LivePushException) error).httpStatus()),
          error.getMessage(), h);
    } else if (error instanceof ClosedChannelException) {
      ctx.close();
    } else {
      LOG.warn("admission failed on {}", ctx.channel(), LogSafe.throwable(error));
      HttpResponses.sendError(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error", null);
    }
  }

  /**
   * Runs {@link TransportContext#admit} for a request the transport has claimed and hands the outcome to
   * {@code then}. The stage may complete after this returns (an asynchronous authenticator), so this retains
   * {@code request} until {@code then} has run and releases it afterwards, also when {@code then} throws; if
   * {@code admit} itself throws, the request is released and the exception rethrown. The caller's own reference
   * is untouched.
   *
   * @param context the transport's context
   * @param ctx the request's handler context; call on its event loop
   * @param request the request; retained while the stage runs, then released once
   * @param topics the topics the request follows from the start, as for {@link TransportContext#admit};
   *     {@code null} for none
   * @param then receives the admitted request or the stage's failure (unwrapped, one of them {@code null}) on
   *     the request's event loop; it must not block, and it owns the admitted request
   * @throws RuntimeException what {@link TransportContext#admit} throws
   */
  public static void admit(TransportContext context, ChannelHandlerContext ctx, FullHttpRequest request,
      Function<Principal, List<String>> topics, BiConsumer<AdmittedRequest, Throwable> then) {
    request.retain();
    CompletionStage<AdmittedRequest> admission;
    try {
      admission = context.admit(ctx.channel(), request, topics);
    } catch (RuntimeException e) {
      request.release();
      throw e;
    }
    admission.whenComplete((admitted, error) -> {
      try {
        then.accept(admitted, error);
      } finally {
        request.release();
      }
    });
  }

  /**
   * The handler for a connection whose request has been read and which expects nothing more from the client
   * (an SSE stream, a long-poll): it releases every inbound message and, on an exception, logs it at debug level
   * with its pipeline name and closes the connection.
   *
   * @return a shared, stateless handler
   */
  public static ChannelInboundHandler discardInbound() {
    return DiscardInbound.INSTANCE;
  }

  @ChannelHandler.Sharable
  private static final class DiscardInbound extends ChannelInboundHandlerAdapter {
    static final DiscardInbound INSTANCE = new DiscardInbound();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("{}: connection {} failed", ctx.name(), ctx.channel(), LogSafe.throwable(cause));
      ctx.close();
    }
  }
}
