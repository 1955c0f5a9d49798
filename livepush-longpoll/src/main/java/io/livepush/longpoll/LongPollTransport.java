package io.livepush.longpoll;

import io.livepush.CloseReason;
import io.livepush.EventId;
import io.livepush.LivePushException;
import io.livepush.ResetReason;
import io.livepush.spi.AdmittedRequest;
import io.livepush.spi.HttpResponses;
import io.livepush.spi.PipelineNames;
import io.livepush.spi.PublishedEvent;
import io.livepush.spi.Session;
import io.livepush.spi.StreamRequests;
import io.livepush.spi.Transport;
import io.livepush.spi.TransportContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Long-polling: the transport for clients behind proxies that buffer streamed responses or block upgrades.
 *
 * <pre>{@code
 * LongPollTransport.builder()
 *     .path("/api/poll")                          // GET /api/poll?topic=a&topic=b&lastEventId=<id>
 *     .timeout(Duration.ofSeconds(25))            // how long a poll is held without an event
 *     .build();
 * }</pre>
 *
 * <h2>Wire</h2>
 * {@code GET <path>?topic=a&topic=b} (or {@code ?topic=a,b}) with the position in the {@code Last-Event-ID}
 * header or the {@code lastEventId} query parameter (the header wins; {@code earliest} replays what each topic
 * retains); without one, {@code since} (an RFC 3339 date-time) resumes from the first event published at or after
 * it, as for SSE (docs/protocol.md "Resume by time"). The answer is {@code 200 application/json}, {@code Cache-Control: no-store}, with a content length:
 * {@code {"events":[...],"position":"<id>"}}, then the connection closes. It comes at once when the replay log
 * holds events after the position, else as soon as one is published, else after {@link Builder#timeout} with
 * no events (that answer is the heartbeat). The client polls again with {@code position}; nothing about it is
 * kept between polls. Entries are events {@code {"id","topic","event","data"}} and resets
 * {@code {"event":"reset","data":{"topic","reason","id"}}}, with the ids and rules of every transport (one
 * replay log, see docs/protocol.md).
 *
 * <h2>Bounds</h2>
 * An answer holds at most {@link Builder#maxBatchEvents} entries and {@link Builder#maxBatchBytes} bytes of
 * entries (or one entry larger than that); the position then is the last entry's id and the rest comes on the
 * next poll, at once. At most {@link Builder#maxPolls} polls are in progress (admitted or held) per transport;
 * more get 503 with {@code Retry-After}. Every poll passes the core's admission stage like a stream: the
 * authenticator, the admission rate, the connection limits (a held poll is a connection) and the topic
 * authorizer, so a flood of polls meets the admission rate limiter.
 *
 * <h2>Errors</h2>
 * As SSE, answered as {@code text/plain}: method other than GET 405 (with {@code Allow}); malformed position,
 * invalid or missing topics 400; authentication 401 (with {@code WWW-Authenticate}) or 403; a refused topic 403;
 * too many failed authentications 429; over capacity 503 with {@code Retry-After}. {@code OPTIONS} answers CORS
 * preflights from {@link Builder#allowedOrigins} (others 403).
 *
 * <p>Thread-safe; every method runs where {@link Transport} says.
 */
public final class LongPollTransport implements Transport {
  static final String INBOUND = "livepush.longpoll.inbound";
  static final String ENCODER = "livepush.longpoll.encoder";
  static final String BATCH = "livepush.longpoll.batch";
  private static final String ALLOW = "GET, OPTIONS";

  private final String path;
  private final long timeoutNanos;
  private final int maxPolls;
  private final int maxBatchEvents;
  private final int maxBatchBytes;
  private final Cors cors;
  private final AtomicInteger polls = new AtomicInteger();
  private volatile TransportContext context;

  private LongPollTransport(Builder b) {
    this.path = b.path;
    this.timeoutNanos = b.timeout.toNanos();
    this.maxPolls = b.maxPolls;
    this.maxBatchEvents = b.maxBatchEvents;
    this.maxBatchBytes = b.maxBatchBytes;
    this.cors = new Cors(b.allowedOrigins, b.allowCredentials);
  }

  /**
   * A builder with the defaults: timeout {@value Builder#DEFAULT_TIMEOUT_SECONDS} s, {@value
   * Builder#DEFAULT_MAX_POLLS} polls, {@value Builder#DEFAULT_MAX_BATCH_EVENTS} entries and {@value
   * Builder#DEFAULT_MAX_BATCH_BYTES} bytes per answer, no CORS origins.
   *
   * @return a new builder; {@link Builder#path} must be set
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return "longpoll";
  }

  /**
   * The one path polls are sent to.
   *
   * @return {@link Builder#path}'s path
   */
  @Override
  public Set<String> routes() {
    return Set.of(path);
  }

  @Override
  public void init(TransportContext context) {
    this.context = context;
  }

  /**
   * The polls in progress now: admitted or held, not yet answered and closed. Safe from any thread.
   *
   * @return at most {@link Builder#maxPolls}
   */
  public int polls() {
    return polls.get();
  }

  @Override
  public boolean handle(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (!new QueryStringDecoder(request.uri()).path().equals(path)) {
      return false;
    }
    String method = request.method().name();
    if (method.equals("OPTIONS")) {
      cors.answerPreflight(ctx, request, ALLOW);
      return true;
    }
    if (!method.equals("GET")) {
      HttpResponses.sendError(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed; use GET",
          new DefaultHttpHeaders().set(HttpHeaderNames.ALLOW, ALLOW));
      return true;
    }
    List<String> topics;
    EventId from;
    Instant since;
    try {
      from = StreamRequests.resumePosition(request);
      since = StreamRequests.resumeTime(request);
      topics = StreamRequests.topicsFromQuery(request);
    } catch (LivePushException e) {
      StreamRequests.refuse(ctx, e, cors.headers(request, new DefaultHttpHeaders()));
      return true;
    }
    if (polls.incrementAndGet() > maxPolls) {
      polls.decrementAndGet();
      HttpResponses.sendError(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "too many polls in progress",
          cors.headers(request, new DefaultHttpHeaders()).setInt(HttpHeaderNames.RETRY_AFTER, retryAfter()));
      return true;
    }
    // Every poll ends by closing its connection: this gives its place back exactly once.
    ctx.channel().closeFuture().addListener(f -> polls.decrementAndGet());
    StreamRequests.admitAt(context, ctx, request, p -> topics, from, since, (admitted, positions, error) -> {
      if (error != null) {
        StreamRequests.refuse(ctx, error, cors.headers(request, new DefaultHttpHeaders()));
      } else {
        start(ctx, request, admitted, from, positions);
      }
    });
    return true;
  }

  private int retryAfter() {
    return (int) Math.max(1, context.config().retry().toSeconds());
  }

  /** Replaces the HTTP handlers with the poll's: responses only out, nothing in, the batch last. */
  private void start(ChannelHandlerContext ctx, FullHttpRequest request, AdmittedRequest admitted, EventId from,
      Map<String, EventId> positions) {
    PollBatch batch = new PollBatch(maxBatchEvents, maxBatchBytes, timeoutNanos,
        cors.headers(request, new DefaultHttpHeaders()), from);
    Session session;
    try {
      ChannelPipeline p = ctx.pipeline();
      p.addLast(INBOUND, StreamRequests.discardInbound());
      p.remove(PipelineNames.HTTP_AGGREGATOR);
      if (p.get(PipelineNames.HTTP_CODEC) instanceof HttpServerCodec) {
        p.replace(PipelineNames.HTTP_CODEC, ENCODER, new HttpResponseEncoder());
      } // an HTTP/2 stream keeps its codec, which sends the answer as HEADERS and DATA frames
      p.remove(PipelineNames.ROUTER);
      p.addLast(BATCH, batch);
      session = admitted.openSession(ctx.channel());
    } catch (RuntimeException e) {
      admitted.release();
      throw e;
    }
    batch.session(session);
    session.subscribe(positions);
  }

  @Override
  public byte[] encode(PublishedEvent event) {
    return PollFrames.event(event);
  }

  @Override
  public ByteBuf encodeReset(ByteBufAllocator alloc, String topic, ResetReason reason, EventId position) {
    byte[] frame = PollFrames.reset(topic, reason, position);
    return alloc.buffer(frame.length).writeBytes(frame);
  }

  @Override
  public ByteBuf encodeSubscribed(ByteBufAllocator alloc, Collection<String> topics, EventId position) {
    byte[] frame = PollFrames.position(position);
    return alloc.buffer(frame.length).writeBytes(frame);
  }

  /** Nothing reaches the client: a held poll's heartbeat is its timeout answer. */
  @Override
  public ByteBuf encodeHeartbeat(ByteBufAllocator alloc) {
    byte[] frame = PollFrames.heartbeat();
    return alloc.buffer(frame.length).writeBytes(frame);
  }

  /** Answers the poll with what it has (shutdown: the entries so far and the position), then closes. */
  @Override
  public void close(Session session, CloseReason reason) {
    PollBatch batch = session.channel().pipeline().get(PollBatch.class);
    if (batch != null) {
      batch.answer();
    } else {
      session.channel().close();
    }
  }

  /** Builds a {@link LongPollTransport}; setters validate eagerly. */
  public static final class Builder {
    /** Default {@link #timeout}, in seconds. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 25;
    /** Default {@link #maxPolls}. */
    public static final int DEFAULT_MAX_POLLS = 10_000;
    /** Default {@link #maxBatchEvents}. */
    public static final int DEFAULT_MAX_BATCH_EVENTS = 1000;
    /** Default {@link #maxBatchBytes}: 256 KiB. */
    public static final int DEFAULT_MAX_BATCH_BYTES = 256 * 1024;
    private static final Duration MIN_TIMEOUT = Duration.ofMillis(10);
    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);

    private String path;
    private Duration timeout = Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS);
    private int maxPolls = DEFAULT_MAX_POLLS;
    private int maxBatchEvents = DEFAULT_MAX_BATCH_EVENTS;
    private int maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
    private final Set<String> allowedOrigins = new LinkedHashSet<>();
    private boolean allowCredentials;

    private Builder() {}

    /**
     * The path polls are sent to, for example {@code "/api/poll"}; the topics come from its query.
     *
     * @param path an absolute path without query, {@code {}} or whitespace
     * @return this builder
     * @throws IllegalArgumentException if {@code path} is not such a path
     */
    public Builder path(String path) {
      Objects.requireNonNull(path, "path");
      if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f || "?#{}".indexOf(c) >= 0)) {
        throw new IllegalArgumentException("path: " + path + " (expected: /absolute/path, printable ASCII)");
      }
      this.path = path;
      return this;
    }

    /**
     * How long a poll with nothing to answer is held before it is answered with no events and its position (the
     * heartbeat); default {@value #DEFAULT_TIMEOUT_SECONDS} s. Keep it below the idle timeouts of proxies on the
     * way (often 30–60 s).
     *
     * @param timeout between 10 ms and 5 minutes
     * @return this builder
     * @throws IllegalArgumentException if out of bounds
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.compareTo(MIN_TIMEOUT) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
        throw new IllegalArgumentException("timeout: " + timeout + " (expected: 10 ms to 5 minutes)");
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * The most polls in progress at once (from the request until the answer), on all connections; one more gets
     * 503 with {@code Retry-After} (the server's retry, at least 1 s) before the admission stage. Default
     * {@value #DEFAULT_MAX_POLLS}. Held polls are connections too, so {@code maxConnections} also bounds them.
     *
     * @param maxPolls at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder maxPolls(int maxPolls) {
      if (maxPolls < 1) {
        throw new IllegalArgumentException("maxPolls: " + maxPolls + " (expected: >= 1)");
      }
      this.maxPolls = maxPolls;
      return this;
    }

    /**
     * The most entries (events and resets) in one answer; default {@value #DEFAULT_MAX_BATCH_EVENTS}. The rest
     * comes on the next poll.
     *
     * @param maxEvents at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder maxBatchEvents(int maxEvents) {
      if (maxEvents < 1) {
        throw new IllegalArgumentException("maxBatchEvents: " + maxEvents + " (expected: >= 1)");
      }
      this.maxBatchEvents = maxEvents;
      return this;
    }

    /**
     * The most bytes of entries in one answer, in UTF-8 (one entry larger than this is answered alone); default
     * {@value #DEFAULT_MAX_BATCH_BYTES}. The rest comes on the next poll.
     *
     * @param maxBytes between 1 KiB and 16 MiB
     * @return this builder
     * @throws IllegalArgumentException if out of bounds
     */
    public Builder maxBatchBytes(int maxBytes) {
      if (maxBytes < 1024 || maxBytes > 16 * 1024 * 1024) {
        throw new IllegalArgumentException("maxBatchBytes: " + maxBytes + " (expected: 1024 to 16777216)");
      }
      this.maxBatchBytes = maxBytes;
      return this;
    }

    /**
     * Origins ({@code scheme://host[:port]}) allowed to read polls cross-origin, or {@code "*"} for any (not
     * with credentials); the same rule as {@code SseTransport.Builder.allowedOrigins}. Default: none.
     *
     * @param origins serialised origins (RFC 6454 §6.2) or {@code "*"}
     * @return this builder
     * @throws IllegalArgumentException if one is neither
     */
    public Builder allowedOrigins(String... origins) {
      for (String o : origins) {
        allowedOrigins.add(Cors.checkOrigin(o));
      }
      return this;
    }

    /**
     * Whether cross-origin polls may carry cookies ({@code fetch(url, {credentials: "include"})}); default
     * {@code false}.
     *
     * @param allow {@code true} to answer {@code Access-Control-Allow-Credentials: true}
     * @return this builder
     */
    public Builder allowCredentials(boolean allow) {
      this.allowCredentials = allow;
      return this;
    }

    /**
     * Builds the transport.
     *
     * @return the transport, to pass to {@code LivePushServer.Builder.transport}
     * @throws IllegalStateException if no {@link #path} was set, or credentials are allowed for {@code "*"}
     */
    public LongPollTransport build() {
      if (path == null) {
        throw new IllegalStateException("path: none (expected: path(\"/api/poll\"))");
      }
      if (allowCredentials && allowedOrigins.contains("*")) {
        throw new IllegalStateException("allowCredentials: true (expected: exact origins, not \"*\")");
      }
      return new LongPollTransport(this);
    }
  }
}
