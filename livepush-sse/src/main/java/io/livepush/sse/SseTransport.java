package io.livepush.sse;

import io.livepush.AuthenticationException;
import io.livepush.CloseReason;
import io.livepush.EventId;
import io.livepush.LivePushException;
import io.livepush.Principal;
import io.livepush.ResetReason;
import io.livepush.Topics;
import io.livepush.spi.AdmittedRequest;
import io.livepush.spi.HttpFields;
import io.livepush.spi.HttpResponses;
import io.livepush.spi.PipelineNames;
import io.livepush.spi.PublishedEvent;
import io.livepush.spi.Session;
import io.livepush.spi.StreamRequests;
import io.livepush.spi.Transport;
import io.livepush.spi.TransportContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Server-sent events: the {@code text/event-stream} transport (WHATWG HTML §9.2).
 *
 * <pre>{@code
 * SseTransport.builder()
 *     .route("/api/match/{id}/live", "match:{id}")       // one topic per path
 *     .multiTopicPath("/api/events")                     // ?topic=a&topic=b
 *     .stream("POST", "/api/ask", handler)                // one-off, application-written streams
 *     .allowedOrigins("https://app.example")             // CORS
 *     .build();
 * }</pre>
 *
 * <h2>Wire</h2>
 * A stream answers {@code 200} with {@code Content-Type: text/event-stream; charset=utf-8},
 * {@code Cache-Control: no-cache}, {@code X-Accel-Buffering: no} (nginx: do not buffer) and
 * {@code Connection: close}; the body is never compressed and is delimited by the connection's close (no chunked
 * framing), so the pre-encoded bytes of each event are shared by every subscriber. It starts with
 * {@code retry:} (the server's reconnect hint plus up to 20 % jitter, so a restart does not synchronise
 * reconnects), then any {@code reset} events, the missed events, and a position block (event
 * {@value io.livepush.Event#POSITION_TYPE} with {@code id: <position>}, see {@link SseEncoder#position}) that makes
 * even a stream that has not seen an event yet resumable in every EventSource implementation. Heartbeats are
 * {@code :} comment lines.
 * Events are encoded by {@link SseEncoder}.
 *
 * <h2>Resume</h2>
 * The {@code Last-Event-ID} request header, else the {@code lastEventId} query parameter (for reloaded pages
 * and polyfills); the header wins. One id resumes every topic of the stream (see {@link EventId}); the value
 * {@code earliest} replays everything each topic still retains ({@link EventId#EARLIEST}). Without an id, the
 * {@code since} query parameter (an RFC 3339 date-time, {@link io.livepush.spi.ResumeTime}) resumes every topic
 * from its first event published at or after that time, or with a {@code too-old} reset when such events may
 * have left the log; a future time is live from now. A server whose bus cannot look up times answers 400, one
 * whose bus fails the lookup answers its status (503).
 *
 * <h2>Errors</h2>
 * Answered before the stream starts, as {@code text/plain} with the reason: wrong method 405 (with
 * {@code Allow}), malformed or over-long resume id or {@code since} 400, invalid or missing topic 400, too many topics 400,
 * refused by the {@link io.livepush.Authenticator} 401 (with {@code WWW-Authenticate} when it gives a challenge)
 * or 403, topic refused by the authorizer 403, over capacity (total, per address, admission rate) 503 with
 * {@code Retry-After}. Unknown paths are left to
 * the core (404). Browsers' EventSource does not reconnect after any of these (WHATWG: non-200 fails the
 * connection), which is what they mean.
 */
public final class SseTransport implements Transport {
  /** The topic-template variable standing for the authenticated principal's name. */
  public static final String PRINCIPAL_VARIABLE = "principal";
  static final String INBOUND = "livepush.sse.inbound";
  private static final String CONTENT_TYPE = "text/event-stream; charset=utf-8";

  private final List<Route> routes;
  private final String multiTopicPath;
  private final List<StreamRoute> streams;
  private final Set<String> allowedOrigins;
  private final boolean allowCredentials;
  volatile TransportContext context;

  private SseTransport(Builder b) {
    this.routes = List.copyOf(b.routes);
    this.multiTopicPath = b.multiTopicPath;
    this.streams = List.copyOf(b.streams);
    this.allowedOrigins = Set.copyOf(b.allowedOrigins);
    this.allowCredentials = b.allowCredentials;
  }

  /**
   * A builder with no routes, no CORS origins and credentials off.
   *
   * @return a new builder; not thread-safe
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return "sse";
  }

  /**
   * Every path this transport claims: the one-off streams' and the routes' templates and the multi-topic path.
   *
   * @return the path templates, in the order they are matched
   */
  @Override
  public Set<String> routes() {
    Set<String> all = new LinkedHashSet<>();
    streams.forEach(s -> all.add(s.path.toString()));
    routes.forEach(r -> all.add(r.path.toString()));
    if (multiTopicPath != null) {
      all.add(multiTopicPath);
    }
    return Collections.unmodifiableSet(all);
  }

  @Override
  public void init(TransportContext context) {
    this.context = context;
  }

  @Override
  public boolean handle(ChannelHandlerContext ctx, FullHttpRequest request) {
    String path = new QueryStringDecoder(request.uri()).path();
    StreamRoute stream = null;
    Route route = null;
    Map<String, String> vars = null;
    for (StreamRoute s : streams) {
      vars = s.path.match(path);
      if (vars != null) {
        stream = s;
        break;
      }
    }
    if (stream == null) {
      for (Route r : routes) {
        vars = r.path.match(path);
        if (vars != null) {
          route = r;
          break;
        }
      }
    }
    boolean multi = stream == null && route == null && path.equals(multiTopicPath);
    if (stream == null && route == null && !multi) {
      return false;
    }
    String method = request.method().name();
    String expected = stream != null ? stream.method : "GET";
    if (method.equals("OPTIONS")) {
      answerOptions(ctx, request, expected);
      return true;
    }
    // RFC 9110 §9.3.2: HEAD gets the GET's status and headers, never a stream.
    boolean head = method.equals("HEAD") && expected.equals("GET");
    if (!method.equals(expected) && !head) {
      HttpHeaders h = new DefaultHttpHeaders().set(HttpHeaderNames.ALLOW, allow(expected));
      HttpResponses.sendError(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED,
          "method not allowed; use " + expected, h);
      return true;
    }
    Function<Principal, List<String>> topics = null;
    EventId resume = null;
    Instant since = null;
    if (stream == null) {
      try {
        resume = StreamRequests.resumePosition(request);
        since = StreamRequests.resumeTime(request);
        List<String> named = multi ? StreamRequests.topicsFromQuery(request) : null;
        Route r = route;
        Map<String, String> v = vars;
        topics = multi ? p -> named : p -> r.topics(v, p);
      } catch (LivePushException e) {
        refuse(ctx, request, e);
        return true;
      }
    }
    StreamRoute s = stream;
    Map<String, String> streamVars = vars;
    EventId from = resume;
    if (stream == null && !head) {
      StreamRequests.admitAt(context, ctx, request, topics, from, since, (admitted, positions, error) -> {
        if (error != null) {
          refuse(ctx, request, error);
        } else {
          startSession(ctx, request, admitted, false).subscribe(positions);
        }
      });
      return true;
    }
    StreamRequests.admit(context, ctx, request, topics, (admitted, error) -> {
      if (error != null) {
        refuse(ctx, request, error);
      } else if (head) {
        admitted.release(); // admitted like the GET, but no session: nothing stays counted
        answerHead(ctx, request);
      } else {
        OneOffStream.open(this, ctx, request, admitted, s.handler, streamVars);
      }
    });
    return true;
  }

  /** Answers a refusal of the admission stage before any stream starts. */
  void refuse(ChannelHandlerContext ctx, FullHttpRequest request, Throwable error) {
    StreamRequests.refuse(ctx, error, corsHeaders(request, new DefaultHttpHeaders()));
  }

  /**
   * Writes the response head, registers the admitted connection as a session (or gives the slot back) and
   * writes the {@code retry:} block. With {@code discardHandler} a handler discards what the client sends
   * (a one-off stream, whose emitter follows); without, the core's session does, being last in the pipeline
   * (one handler context less per idle stream).
   */
  Session startSession(ChannelHandlerContext ctx, FullHttpRequest request, AdmittedRequest admitted,
      boolean discardHandler) {
    Session session;
    try {
      startStream(ctx, request, discardHandler);
      session = admitted.openSession(ctx.channel());
    } catch (RuntimeException e) {
      admitted.release();
      throw e;
    }
    session.write(retryBlock());
    return session;
  }

  private ByteBuf retryBlock() {
    long base = context.config().retry().toMillis();
    long jittered = base + ThreadLocalRandom.current().nextLong(base / 5 + 1);
    return Unpooled.wrappedBuffer(SseEncoder.retry(jittered));
  }

  /** The stream's response headers: the same for GET and HEAD. */
  private HttpHeaders streamHeaders(FullHttpRequest request, HttpHeaders into) {
    into.set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE)
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
        .set("X-Accel-Buffering", "no")
        .set(HttpResponses.X_CONTENT_TYPE_OPTIONS, HttpResponses.NOSNIFF)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    corsHeaders(request, into);
    return into;
  }

  /** A HEAD on a stream route: the head a GET would get, no body (the codec sends none for HEAD), then close. */
  private void answerHead(ChannelHandlerContext ctx, FullHttpRequest request) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    streamHeaders(request, response.headers());
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  /** Writes the response head and turns the pipeline into a raw byte stream. */
  private void startStream(ChannelHandlerContext ctx, FullHttpRequest request, boolean discardHandler) {
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    streamHeaders(request, head.headers());
    ChannelPipeline p = ctx.pipeline();
    // The head goes through the HTTP encoder now, on this loop; afterwards the stream is raw bytes.
    ctx.write(head, ctx.voidPromise());
    if (discardHandler) {
      p.addLast(INBOUND, StreamRequests.discardInbound());
    }
    p.remove(PipelineNames.HTTP_AGGREGATOR);
    p.remove(PipelineNames.HTTP_CODEC);
    p.remove(PipelineNames.ROUTER);
  }

  private static String allow(String expected) {
    return expected.equals("GET") ? "GET, HEAD, OPTIONS" : expected + ", OPTIONS";
  }

  /**
   * {@code OPTIONS} on a route (RFC 9110 §9.3.7): 204 with {@code Allow}. With {@code Origin} (browsers send
   * OPTIONS only as a CORS preflight) from an allowed origin it also gets the CORS answer, whose
   * {@code Access-Control-Allow-Headers} echoes the requested headers (see {@link CorsHeaders}); from any other
   * origin 403.
   */
  private void answerOptions(ChannelHandlerContext ctx, FullHttpRequest request, String method) {
    String origin = request.headers().get(HttpHeaderNames.ORIGIN);
    if (origin != null && !originAllowed(origin)) {
      HttpResponses.sendError(ctx, HttpResponseStatus.FORBIDDEN, "origin not allowed", null);
      return;
    }
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
    HttpHeaders h = response.headers();
    h.set(HttpHeaderNames.ALLOW, allow(method));
    if (origin != null) {
      corsHeaders(request, h);
      h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, allow(method))
          .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS,
              CorsHeaders.allowHeaders(request.headers().getAll(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS)))
          .set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "600")
          .add(HttpHeaderNames.VARY, "Access-Control-Request-Method, Access-Control-Request-Headers");
    }
    h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  private boolean originAllowed(String origin) {
    return allowedOrigins.contains(origin) || (!allowCredentials && allowedOrigins.contains("*"));
  }

  /** CORS response headers for an allowed {@code Origin}, else {@code null}. */
  HttpHeaders corsHeaders(FullHttpRequest request, HttpHeaders into) {
    String origin = request.headers().get(HttpHeaderNames.ORIGIN);
    if (origin == null || !originAllowed(origin)) {
      return into;
    }
    HttpHeaders h = into != null ? into : new DefaultHttpHeaders();
    h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, allowCredentials || !allowedOrigins.contains("*")
        ? origin : "*");
    if (allowCredentials) {
      h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
    }
    h.add(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
    return h;
  }

  @Override
  public byte[] encode(PublishedEvent event) {
    return SseEncoder.event(event.id().toString(), event.type(), event.kind(), event.payload());
  }

  @Override
  public ByteBuf encodeReset(ByteBufAllocator alloc, String topic, ResetReason reason, EventId position) {
    String json = "{\"topic\":\"" + topic + "\",\"reason\":\"" + reason.code() + "\",\"id\":\"" + position + "\"}";
    // The position is also the block's id: every EventSource records it, so a stream cut right after a reset
    // resumes from it rather than from the id before the reset (a second reset, and events missed meanwhile).
    byte[] bytes = SseEncoder.event(position.toString(), io.livepush.Event.RESET_TYPE, io.livepush.Event.Kind.JSON,
        json.getBytes(StandardCharsets.UTF_8));
    return alloc.directBuffer(bytes.length).writeBytes(bytes);
  }

  @Override
  public ByteBuf encodeSubscribed(ByteBufAllocator alloc, Collection<String> topics, EventId position) {
    byte[] bytes = SseEncoder.position(position.toString());
    return alloc.directBuffer(bytes.length).writeBytes(bytes);
  }

  /** An event of type {@value io.livepush.Presence#SNAPSHOT_TYPE} without an id. */
  @Override
  public ByteBuf encodePresenceSnapshot(ByteBufAllocator alloc, String topic, byte[] json) {
    byte[] bytes = SseEncoder.event(null, io.livepush.Presence.SNAPSHOT_TYPE, io.livepush.Event.Kind.JSON, json);
    return alloc.directBuffer(bytes.length).writeBytes(bytes);
  }

  @Override
  public ByteBuf encodeHeartbeat(ByteBufAllocator alloc) {
    return alloc.directBuffer(2).writeBytes(SseEncoder.HEARTBEAT);
  }

  @Override
  public void close(Session session, CloseReason reason) {
    var ch = session.channel();
    if (reason == CloseReason.SERVER_STOPPING) {
      // Ask for a jittered, longer reconnect so a fleet of clients does not stampede the next node.
      long base = context.config().retry().toMillis();
      byte[] retry = SseEncoder.retry(base + ThreadLocalRandom.current().nextLong(base * 2 + 1));
      ch.writeAndFlush(Unpooled.wrappedBuffer(retry)).addListener(ChannelFutureListener.CLOSE);
    } else if (reason == CloseReason.SLOW_CONSUMER) {
      // Its backlog may never drain; close now. A cut event is discarded by the client (WHATWG: no dispatch
      // without the blank line), which resumes from the last complete id.
      ch.close();
    } else {
      // Flush first so an event already handed to the channel is not cut in half.
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static final class Route {
    final PathTemplate path;
    final BiFunction<Map<String, String>, Principal, List<String>> topics;

    Route(PathTemplate path, BiFunction<Map<String, String>, Principal, List<String>> topics) {
      this.path = path;
      this.topics = topics;
    }

    List<String> topics(Map<String, String> vars, Principal principal) {
      List<String> out = topics.apply(vars, principal);
      if (out == null || out.isEmpty()) {
        throw new LivePushException("route " + path + " resolved no topic", 400);
      }
      for (String t : out) {
        Topics.validate(t);
      }
      return out;
    }
  }

  private static final class StreamRoute {
    final String method;
    final PathTemplate path;
    final SseStreamHandler handler;

    StreamRoute(String method, PathTemplate path, SseStreamHandler handler) {
      this.method = method;
      this.path = path;
      this.handler = handler;
    }
  }

  /** Builds an {@link SseTransport}; setters validate eagerly. */
  public static final class Builder {
    private final List<Route> routes = new ArrayList<>();
    private String multiTopicPath;
    private final List<StreamRoute> streams = new ArrayList<>();
    private final Set<String> allowedOrigins = new LinkedHashSet<>();
    private boolean allowCredentials;

    private Builder() {}

    /**
     * Follows the topic named by {@code topicTemplate} with the path's variables substituted, for example
     * {@code route("/api/match/{id}/live", "match:{id}")}. The variable {@value #PRINCIPAL_VARIABLE} stands for
     * the authenticated principal's name, so {@code route("/me/notifications", "user:{principal}")} follows the
     * caller's own topic without the name in the URL; an anonymous caller of such a route gets 401. A value that
     * makes an invalid topic name gets 400.
     *
     * @param pathTemplate an absolute path whose {@code {name}} variables each fill a whole segment, for example
     *     {@code /api/match/{id}/live}
     * @param topicTemplate the topic name with {@code {name}} variables of the path, or {@value #PRINCIPAL_VARIABLE}
     * @return this builder
     * @throws IllegalArgumentException if the path template is malformed or has a variable named
     *     {@value #PRINCIPAL_VARIABLE}, or the topic template names a variable the path lacks
     */
    public Builder route(String pathTemplate, String topicTemplate) {
      PathTemplate path = new PathTemplate(pathTemplate);
      Objects.requireNonNull(topicTemplate, "topicTemplate");
      if (path.variables().contains(PRINCIPAL_VARIABLE)) {
        throw new IllegalArgumentException("pathTemplate: " + pathTemplate + " (expected: no variable named "
            + PRINCIPAL_VARIABLE + ")");
      }
      boolean byPrincipal = false;
      for (String v : variablesOf(topicTemplate)) {
        if (v.equals(PRINCIPAL_VARIABLE)) {
          byPrincipal = true;
        } else if (!path.variables().contains(v)) {
          throw new IllegalArgumentException("topicTemplate: " + topicTemplate + " (expected: variables of "
              + pathTemplate + " or {" + PRINCIPAL_VARIABLE + "})");
        }
      }
      if (!byPrincipal) {
        routes.add(new Route(path, (vars, p) -> List.of(PathTemplate.expand(topicTemplate, vars))));
        return this;
      }
      routes.add(new Route(path, (vars, p) -> {
        if (p.isAnonymous()) {
          throw new AuthenticationException(401, "authentication required", null);
        }
        Map<String, String> all = new HashMap<>(vars);
        all.put(PRINCIPAL_VARIABLE, p.name());
        return List.of(PathTemplate.expand(topicTemplate, all));
      }));
      return this;
    }

    /**
     * Follows the topics {@code topics} computes from the path's variables.
     *
     * @param pathTemplate an absolute path whose {@code {name}} variables each fill a whole segment
     * @param topics maps the path's variables to the topics to follow; runs on the event loop and must not block, may
     *     throw a {@link LivePushException} to answer with its status
     * @return this builder
     * @throws IllegalArgumentException if the path template is malformed
     */
    public Builder route(String pathTemplate, Function<Map<String, String>, List<String>> topics) {
      Objects.requireNonNull(topics, "topics");
      routes.add(new Route(new PathTemplate(pathTemplate), (vars, p) -> topics.apply(vars)));
      return this;
    }

    /**
     * Follows the topics {@code topics} computes from the path's variables and the authenticated principal
     * ({@link Principal#ANONYMOUS} without an authenticator), for example
     * {@code routeByPrincipal("/me/feed", (vars, p) -> List.of("user:" + p.name(), "team:" + p.attributes()
     * .get("team")))}. Runs on the event loop after authentication and must not block; it may throw a
     * {@link LivePushException} to answer with its status. The topics still pass the topic authorizer.
     *
     * @param pathTemplate an absolute path whose {@code {name}} variables each fill a whole segment
     * @param topics maps the path's variables and the principal to the topics to follow
     * @return this builder
     * @throws IllegalArgumentException if the path template is malformed
     */
    public Builder routeByPrincipal(String pathTemplate,
        BiFunction<Map<String, String>, Principal, List<String>> topics) {
      routes.add(new Route(new PathTemplate(pathTemplate), Objects.requireNonNull(topics, "topics")));
      return this;
    }

    /**
     * Serves streams of several topics named in the query: {@code ?topic=a&topic=b} or {@code ?topic=a,b}.
     *
     * @param path an absolute path, for example {@code /live}
     * @return this builder
     * @throws IllegalArgumentException if {@code path} does not start with {@code /}
     */
    public Builder multiTopicPath(String path) {
      new PathTemplate(path);
      this.multiTopicPath = path;
      return this;
    }

    /**
     * Answers {@code method path} with an application-written stream (see {@link SseStreamHandler}); the path may
     * have {@code {name}} variables ({@link StreamRequest#pathVariables()}). Other methods on the path get 405.
     *
     * @param method the request method, an RFC 9110 §9 token such as {@code "POST"} (case-sensitive; not
     *     {@code OPTIONS}, which answers CORS preflights)
     * @param path an absolute path whose {@code {name}} variables each fill a whole segment
     * @param handler decides on each request; see {@link SseStreamHandler} for its thread
     * @return this builder
     * @throws IllegalArgumentException if {@code method} is not a token, or is {@code OPTIONS}
     */
    public Builder stream(String method, String path, SseStreamHandler handler) {
      Objects.requireNonNull(method, "method");
      if (!HttpFields.isToken(method, Integer.MAX_VALUE) || method.equals("OPTIONS")) {
        throw new IllegalArgumentException("method: " + method + " (expected: an RFC 9110 token such as POST,"
            + " not OPTIONS)");
      }
      streams.add(new StreamRoute(method, new PathTemplate(path), Objects.requireNonNull(handler, "handler")));
      return this;
    }

    /**
     * Origins (scheme://host[:port]) allowed to read streams cross-origin, or {@code "*"} for any (not with
     * credentials). Default: none.
     *
     * @param origins serialised origins (RFC 6454 §6.2), matched exactly against the request's {@code Origin}, or
     *     {@code "*"}
     * @return this builder
     * @throws IllegalArgumentException if an entry is neither {@code *} nor {@code scheme://host[:port]} of visible
     *     ASCII
     */
    public Builder allowedOrigins(String... origins) {
      for (String o : origins) {
        Objects.requireNonNull(o, "origin");
        if (!o.equals("*") && !isOrigin(o)) {
          // It is echoed in Access-Control-Allow-Origin: only a serialised origin may reach that header.
          throw new IllegalArgumentException("origin: " + o + " (expected: scheme://host[:port] or *)");
        }
        allowedOrigins.add(o);
      }
      return this;
    }

    /** Whether {@code o} is a serialised origin (RFC 6454 §6.2): {@code scheme://host[:port]}, nothing else. */
    private static boolean isOrigin(String o) {
      try {
        java.net.URI u = new java.net.URI(o);
        return u.getScheme() != null && u.getHost() != null && u.getRawUserInfo() == null
            && (u.getRawPath() == null || u.getRawPath().isEmpty()) && u.getRawQuery() == null
            && u.getRawFragment() == null && o.chars().allMatch(c -> c > 0x20 && c < 0x7f);
      } catch (java.net.URISyntaxException e) {
        return false;
      }
    }

    /**
     * Whether cross-origin streams may carry cookies ({@code withCredentials}); default {@code false}.
     *
     * @param allow {@code true} to send {@code Access-Control-Allow-Credentials: true} (Fetch standard, CORS
     *     protocol) to allowed origins
     * @return this builder
     */
    public Builder allowCredentials(boolean allow) {
      this.allowCredentials = allow;
      return this;
    }

    /**
     * Builds the transport, for one {@link io.livepush.LivePushServer.Builder#transport}.
     *
     * @return a new transport
     * @throws IllegalStateException if credentials are allowed together with origin {@code "*"}, or no route,
     *     multi-topic path or stream was added
     */
    public SseTransport build() {
      if (allowCredentials && allowedOrigins.contains("*")) {
        throw new IllegalStateException("allowCredentials: true (expected: exact origins, not \"*\")");
      }
      if (routes.isEmpty() && multiTopicPath == null && streams.isEmpty()) {
        throw new IllegalStateException("routes: none (expected: route, multiTopicPath or stream)");
      }
      return new SseTransport(this);
    }

    private static List<String> variablesOf(String template) {
      List<String> out = new ArrayList<>();
      int i = 0;
      while ((i = template.indexOf('{', i)) >= 0) {
        int close = template.indexOf('}', i);
        if (close < 0) {
          throw new IllegalArgumentException("topicTemplate: " + template + " (expected: closed {})");
        }
        out.add(template.substring(i + 1, close));
        i = close + 1;
      }
      return out;
    }
  }
}
