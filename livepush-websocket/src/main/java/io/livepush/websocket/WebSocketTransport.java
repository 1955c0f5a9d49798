package io.livepush.websocket;

import io.livepush.AuthenticationException;
import io.livepush.CapacityExceededException;
import io.livepush.CloseReason;
import io.livepush.EventId;
import io.livepush.LivePushException;
import io.livepush.ResetReason;
import io.livepush.spi.AdmittedRequest;
import io.livepush.spi.ExtendedConnect;
import io.livepush.spi.HttpResponses;
import io.livepush.spi.PipelineNames;
import io.livepush.spi.PublishedEvent;
import io.livepush.spi.Session;
import io.livepush.spi.Transport;
import io.livepush.spi.TransportContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * WebSocket (RFC 6455) transport speaking the {@value #SUBPROTOCOL} JSON protocol (see {@code docs/protocol.md}):
 * subscribe with resume ids shared with SSE, receive events, resets and errors, send application messages.
 *
 * <pre>{@code
 * WebSocketTransport.builder()
 *     .path("/ws")                                   // default
 *     .allowedOrigins("https://app.example")         // 403 for other browser origins
 *     .messageHandler((conn, msg) -> conn.reply(msg.ref(), "ok"))
 *     .build();
 * }</pre>
 *
 * <h2>Handshake (RFC 6455 §4.2)</h2>
 * Requests on the configured paths are answered, in this order: {@code OPTIONS} 204 with {@code Allow}
 * (RFC 9110 §9.3.7); a method other than GET and HEAD 405; an {@code Origin}
 * not allowed 403 (cross-site WebSocket hijacking; see {@link Builder#allowedOrigins}); HEAD 400 (it cannot
 * upgrade: what a GET without an upgrade gets); no
 * {@code Sec-WebSocket-Version} 400, a version other than 13 426 with {@code Sec-WebSocket-Version: 13}
 * (§4.4); no {@code Sec-WebSocket-Key}, several, or one that is not the base64 of 16 bytes 400 (§4.2.1); a missing
 * or wrong {@code Connection}/{@code Upgrade} 400 (Netty's handshaker). A server at {@code maxConnections} completes the handshake and closes with 1013 (try again
 * later), which browsers report, unlike an HTTP 503. The subprotocol {@value #SUBPROTOCOL} is selected when
 * offered; a client offering none is accepted too.
 *
 * <h2>Pipeline after the upgrade</h2>
 * Netty's codec does all parsing: {@code wsdecoder}/{@code wsencoder} (RFC 6455 §5), optional
 * permessage-deflate (RFC 7692) with a decompressed-size cap (offers checked by {@code DeflateOffers}; before
 * it a check that fails frames with reserved bits the connection did not negotiate, 1002),
 * then livepush's handler, which checks text as UTF-8 (1007; instead of Netty's {@code Utf8FrameValidator}, one
 * handler less per connection) and reassembles fragmented messages
 * (RFC 6455 §5.4) up to {@code maxMessageSize} (1009 beyond), like Netty's {@code WebSocketFrameAggregator} but without a pipeline entry of its own. Netty's
 * {@link WebSocketServerProtocolHandler} runs the handshake and is removed once it completes (with its channel
 * attribute), to keep idle connections small: livepush's handler answers pings (RFC 6455 §5.5.2), takes pongs
 * as liveness, answers close frames with its own codes (never Netty's default 1000) and sends nothing after a
 * close frame (§5.5.1).
 *
 * <h2>Events</h2>
 * {@link #encode} pre-encodes one complete unmasked frame per event, shared by every subscriber: text frames
 * for text and JSON payloads, binary frames (2-byte header length, JSON header, payload) for binary ones.
 * Events are never compressed, even with permessage-deflate (RSV1 unset is a valid uncompressed message).
 *
 * <h2>Heartbeats</h2>
 * After the core's {@code heartbeatInterval} without input the server sends a ping; a peer that sends nothing
 * (no pong, no message) for a further {@code heartbeatTimeout} is closed with 1001 and its resources freed.
 * See {@link CloseCodes} for every close code.
 */
public final class WebSocketTransport implements Transport {
  /** The subprotocol name and version. */
  public static final String SUBPROTOCOL = "livepush.v1";
  /** Default endpoint path. */
  public static final String DEFAULT_PATH = "/ws";
  /** Default largest frame payload, as Netty's: 64 KiB. */
  public static final int DEFAULT_MAX_FRAME_SIZE = 64 * 1024;
  /** Default largest message after reassembly of continuation frames: 64 KiB. */
  public static final int DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024;
  /** Default handshake timeout in milliseconds. */
  public static final long DEFAULT_HANDSHAKE_TIMEOUT_MILLIS = 10_000;
  /** Default bound of application messages waiting for a {@link Builder#handlerExecutor}, per connection. */
  public static final int DEFAULT_MAX_PENDING_MESSAGES = 64;
  /** How long the server waits for the client's close frame after sending its own before dropping TCP. */
  static final long CLOSE_TIMEOUT_MILLIS = 1_000;

  /** The {@code Allow} of the endpoint: GET upgrades, HEAD gets GET's refusal, OPTIONS the methods. */
  static final String ALLOW = "GET, HEAD, OPTIONS";

  static final String DEFLATE = "livepush.ws.deflate";
  static final String RESERVED_BITS = "livepush.ws.rsv";
  static final String PROTOCOL = "livepush.ws.protocol";
  static final String HANDLER = "livepush.ws.handler";

  final Set<String> paths;
  private final OriginPolicy originPolicy;
  final int maxFrameSize;
  final int maxMessageSize;
  final long handshakeTimeoutMillis;
  final int deflateMaxBytes;
  final WebSocketMessageHandler handler;
  final Executor handlerExecutor;
  final int maxPendingMessages;
  final boolean echo;
  private final Map<String, WebSocketServerProtocolConfig> protocolConfigs = new LinkedHashMap<>();
  /** Immutable, shared by every connection; {@code null} without permessage-deflate. */
  private final PerMessageDeflateServerExtensionHandshaker deflate;
  volatile TransportContext context;
  /** livepush.v1's shared part, made with the context. */
  volatile V1Protocol v1;

  private WebSocketTransport(Builder b) {
    this.paths = Set.copyOf(b.paths.isEmpty() ? Set.of(DEFAULT_PATH) : b.paths);
    this.originPolicy = OriginPolicy.of(b.allowedOrigins, b.anyOrigin, b.allowMissingOrigin);
    this.maxFrameSize = b.maxFrameSize;
    this.maxMessageSize = b.maxMessageSize;
    this.handshakeTimeoutMillis = b.handshakeTimeoutMillis;
    this.deflateMaxBytes = b.deflateMaxBytes;
    this.handler = b.handler;
    this.handlerExecutor = b.handlerExecutor;
    this.maxPendingMessages = b.maxPendingMessages;
    this.echo = b.echo;
    // permessage-deflate only (not the pre-standard deflate-frame); offers checked by DeflateOffers.
    this.deflate = deflateMaxBytes <= 0 ? null : DeflateOffers.handshaker(deflateMaxBytes);
    WebSocketDecoderConfig decoder = WebSocketDecoderConfig.newBuilder()
        .maxFramePayloadLength(maxFrameSize)
        .allowExtensions(deflateMaxBytes > 0)
        .closeOnProtocolViolation(true)
        // WsHandler checks text as UTF-8 itself (1007): no validator handler per connection (issue 18).
        .withUTF8Validator(false)
        .build();
    for (String path : paths) {
      protocolConfigs.put(path, WebSocketServerProtocolConfig.newBuilder()
          .websocketPath(path)
          // The path was matched exactly already; this only lets a query string through.
          .checkStartsWith(true)
          .subprotocols(echo ? null : SUBPROTOCOL)
          .handshakeTimeoutMillis(handshakeTimeoutMillis)
          // livepush answers close frames itself: Netty's default (sendCloseFrame 1000) turns protocol
          // violations into 1000 (Autobahn 7.x fails), and an echo must not follow a close livepush sent.
          .handleCloseFrames(false)
          .sendCloseFrame(null)
          .dropPongFrames(false)
          .decoderConfig(decoder)
          .build());
    }
  }

  /**
   * A builder with every default: path {@value #DEFAULT_PATH}, same-origin browsers, no handler.
   *
   * @return a new builder; not thread-safe
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return "websocket";
  }

  /**
   * The endpoint paths ({@link Builder#path}), for HTTP/1.1 upgrades and HTTP/2 extended CONNECTs alike.
   *
   * @return the paths
   */
  @Override
  public Set<String> routes() {
    return paths;
  }

  @Override
  public void init(TransportContext context) {
    this.context = context;
    this.v1 = new V1Protocol(context, handler, handlerExecutor, maxPendingMessages);
  }

  @Override
  public boolean handle(ChannelHandlerContext ctx, FullHttpRequest request) {
    String path = new QueryStringDecoder(request.uri()).path();
    if (!paths.contains(path)) {
      return false;
    }
    HttpMethod method = request.method();
    if ("websocket".equalsIgnoreCase(ExtendedConnect.protocol(ctx, request))) {
      Http2WebSocket.handle(this, ctx, request); // RFC 8441 on an HTTP/2 stream
      return true;
    }
    if (HttpMethod.OPTIONS.equals(method)) { // RFC 9110 §9.3.7
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
      r.headers().set(HttpHeaderNames.ALLOW, ALLOW).set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
      return true;
    }
    if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) {
      HttpResponses.sendError(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "WebSocket upgrades use GET",
          new DefaultHttpHeaders().set(HttpHeaderNames.ALLOW, ALLOW));
      return true;
    }
    String origin = request.headers().get(HttpHeaderNames.ORIGIN);
    if (!originAllowed(origin, request.headers().get(HttpHeaderNames.HOST))) {
      HttpResponses.sendError(ctx, HttpResponseStatus.FORBIDDEN, "origin not allowed", null);
      return true;
    }
    if (HttpMethod.HEAD.equals(method)) {
      // What a GET without a completed upgrade gets; a HEAD cannot upgrade (RFC 9110 §9.3.2, §7.8).
      HttpResponses.sendError(ctx, HttpResponseStatus.BAD_REQUEST, "not a WebSocket request: HEAD cannot upgrade",
          null);
      return true;
    }
    String version = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
    if (version == null) {
      HttpResponses.sendError(ctx, HttpResponseStatus.BAD_REQUEST,
          "not a WebSocket request: missing Sec-WebSocket-Version", null);
      return true;
    }
    if (!"13".equals(version.trim())) {
      HttpResponses.sendError(ctx, HttpResponseStatus.UPGRADE_REQUIRED, "unsupported WebSocket version",
          new DefaultHttpHeaders().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13"));
      return true;
    }
    if (!validKey(request.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_KEY))) {
      // RFC 6455 §4.2.1 item 5, §4.2.2: without exactly one key that is 16 bytes in base64 the server must not
      // upgrade (Netty's handshaker only checks that one is present, and answers any string).
      HttpResponses.sendError(ctx, HttpResponseStatus.BAD_REQUEST,
          "not a WebSocket request: Sec-WebSocket-Key must be one base64-encoded 16-byte value", null);
      return true;
    }
    // The stage may complete after this returns (an asynchronous authenticator): keep the request until then.
    request.retain();
    CompletionStage<AdmittedRequest> admission;
    try {
      admission = context.admit(ctx.channel(), request, null);
    } catch (RuntimeException e) {
      request.release();
      throw e;
    }
    admission.whenComplete((admitted, error) -> {
      try {
        if (error == null || error instanceof CapacityExceededException) {
          upgrade(ctx, request, path, admitted); // over capacity: handshake, then close 1013
        } else {
          refuse(ctx, error);
        }
      } finally {
        request.release();
      }
    });
    return true;
  }

  /** Answers a refusal of the admission stage before the handshake: 401/403/429, or a close. On the loop. */
  void refuse(ChannelHandlerContext ctx, Throwable error) {
    if (error instanceof LivePushException) {
      HttpHeaders h = new DefaultHttpHeaders();
      if (error instanceof AuthenticationException && ((AuthenticationException) error).challenge() != null) {
        h.set(HttpHeaderNames.WWW_AUTHENTICATE, ((AuthenticationException) error).challenge());
      }
      if (error instanceof AuthenticationException && ((AuthenticationException) error).retryAfterSeconds() > 0) {
        h.setInt(HttpHeaderNames.RETRY_AFTER, ((AuthenticationException) error).retryAfterSeconds()); // 429
      }
      HttpResponses.sendError(ctx, HttpResponseStatus.valueOf(((LivePushException) error).httpStatus()),
          error.getMessage(), h);
    } else {
      ctx.close(); // the channel closed meanwhile, or the stage failed unexpectedly
    }
  }

  /** The frame decoder's settings (the same for every path). */
  WebSocketDecoderConfig decoderConfig() {
    return protocolConfigs.values().iterator().next().decoderConfig();
  }

  /** WebSocket over HTTP/2 streams (RFC 8441), see {@link Http2WebSocket}. */
  @Override
  public Set<String> http2ConnectProtocols() {
    return Set.of("websocket");
  }

  /** Installs the WebSocket handlers and lets Netty's handshaker answer {@code request} with 101. */
  private void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, String path, AdmittedRequest admitted) {
    ChannelPipeline p = ctx.pipeline();
    String last = PipelineNames.HTTP_AGGREGATOR;
    if (deflateMaxBytes > 0) {
      // Netty adds the extension's decoder right after DEFLATE once negotiated, so after this check.
      p.addAfter(last, RESERVED_BITS, ReservedBits.INSTANCE);
      p.addAfter(RESERVED_BITS, DEFLATE, new DeflateOffers(deflate));
      last = DEFLATE;
    }
    p.addAfter(last, PROTOCOL, new WebSocketServerProtocolHandler(protocolConfigs.get(path)));
    p.addAfter(PROTOCOL, HANDLER, new WsHandler(this, admitted));
    p.remove(PipelineNames.ROUTER);
    // Netty's handshake handler (added before PROTOCOL) performs the upgrade; it releases this reference.
    p.context(PipelineNames.HTTP_AGGREGATOR).fireChannelRead(request.retain());
  }

  boolean originAllowed(String origin, String host) {
    return originPolicy.allows(origin, host);
  }


  /** Exactly one {@code Sec-WebSocket-Key}, the base64 of 16 bytes (RFC 6455 §4.1 item 7). */
  static boolean validKey(java.util.List<String> keys) {
    if (keys.size() != 1) {
      return false;
    }
    String key = keys.get(0).trim();
    if (key.length() != 24) {
      return false;
    }
    try {
      return java.util.Base64.getDecoder().decode(key).length == 16;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @Override
  public byte[] encode(PublishedEvent event) {
    switch (event.kind()) {
      case JSON:
        return WsFrames.jsonEvent(event.topic(), event.id(), event.type(), event.payload());
      case TEXT:
        return WsFrames.textEvent(event.topic(), event.id(), event.type(), event.payload());
      default:
        return WsFrames.binaryEvent(event.topic(), event.id(), event.type(), event.payload());
    }
  }

  @Override
  public ByteBuf encodeReset(ByteBufAllocator alloc, String topic, ResetReason reason, EventId position) {
    return WsFrames.textFrame(alloc, V1Messages.reset(topic, reason, position));
  }

  @Override
  public ByteBuf encodeSubscribed(ByteBufAllocator alloc, Collection<String> topics, EventId position) {
    return encodeSubscribed(alloc, topics, position, null);
  }

  @Override
  public ByteBuf encodeSubscribed(ByteBufAllocator alloc, Collection<String> topics, EventId position,
      String ref) {
    return WsFrames.textFrame(alloc, V1Messages.subscribed(topics, position, ref));
  }

  /** {@code {"type":"presence","topic":..,"data":{"topic":..,"members":[..],"count":n}}}, without an id. */
  @Override
  public ByteBuf encodePresenceSnapshot(ByteBufAllocator alloc, String topic, byte[] json) {
    return WsFrames.buffer(alloc, WsFrames.presence(topic, json));
  }

  @Override
  public ByteBuf encodeHeartbeat(ByteBufAllocator alloc) {
    return WsFrames.buffer(alloc, WsFrames.frame(WsFrames.OP_PING));
  }

  @Override
  public boolean expectsHeartbeatReplies() {
    return true;
  }

  @Override
  public void close(Session session, CloseReason reason) {
    // A pipeline lookup instead of a channel attribute: no per-connection attribute map for a rare call.
    Object h0 = session.channel().pipeline().get(HANDLER);
    WsHandler h = h0 instanceof WsHandler ? (WsHandler) h0 : null;
    if (h == null) {
      session.channel().close();
      return;
    }
    h.closeFor(reason);
  }



  /**
   * Builds a {@link WebSocketTransport}. Setters validate eagerly and throw {@link IllegalArgumentException}
   * shaped {@code "name: value (expected: ...)"}.
   */
  public static final class Builder {
    private final Set<String> paths = new LinkedHashSet<>();
    private final Set<String> allowedOrigins = new LinkedHashSet<>();
    private boolean anyOrigin;
    private boolean allowMissingOrigin = true;
    private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
    private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
    private long handshakeTimeoutMillis = DEFAULT_HANDSHAKE_TIMEOUT_MILLIS;
    private int deflateMaxBytes;
    private WebSocketMessageHandler handler;
    private Executor handlerExecutor;
    private int maxPendingMessages = DEFAULT_MAX_PENDING_MESSAGES;
    private boolean echo;

    private Builder() {}

    /**
     * Adds endpoint paths (exact match, query ignored); default {@value #DEFAULT_PATH} when none is added.
     *
     * @param paths absolute paths starting with {@code /}, without query or fragment
     * @return this builder
     * @throws IllegalArgumentException if a path does not start with {@code /} or contains {@code ?} or {@code #}
     */
    public Builder path(String... paths) {
      for (String p : paths) {
        Objects.requireNonNull(p, "path");
        if (!p.startsWith("/") || p.indexOf('?') >= 0 || p.indexOf('#') >= 0) {
          throw new IllegalArgumentException("path: " + p + " (expected: /absolute/path without query)");
        }
        this.paths.add(p);
      }
      return this;
    }

    /**
     * Browser origins allowed to connect, exactly as browsers send them: {@code scheme://host[:port]}, default
     * ports omitted (RFC 6454 §6.2). Others get 403 before the upgrade. Default (none added): same origin
     * only, that is the {@code Origin}'s host and port equal the {@code Host} header.
     *
     * @param origins serialised origins, compared case-insensitively
     * @return this builder
     * @throws IllegalArgumentException if an entry is not {@code scheme://host[:port]} (a path, query or user info
     *     included)
     */
    public Builder allowedOrigins(String... origins) {
      for (String o : origins) {
        allowedOrigins.add(OriginPolicy.normalize(o));
      }
      return this;
    }

    /**
     * Accepts every {@code Origin}: only for endpoints that use no cookies or other ambient credentials.
     *
     * @return this builder; {@link #build()} refuses it together with {@link #allowedOrigins}
     */
    public Builder allowAnyOrigin() {
      this.anyOrigin = true;
      return this;
    }

    /**
     * Whether requests without {@code Origin} are accepted; default {@code true}: browsers always send it, so
     * a missing one means a non-browser client, which cross-site hijacking does not concern.
     *
     * @param allow {@code false} to refuse (403) upgrades without {@code Origin}
     * @return this builder
     */
    public Builder allowMissingOrigin(boolean allow) {
      this.allowMissingOrigin = allow;
      return this;
    }

    /**
     * Largest frame payload; larger closes with 1009. Default {@value #DEFAULT_MAX_FRAME_SIZE}.
     *
     * @param bytes the limit on one frame's payload in bytes, {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes <= 0}
     */
    public Builder maxFrameSize(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxFrameSize: " + bytes + " (expected: > 0)");
      }
      this.maxFrameSize = bytes;
      return this;
    }

    /**
     * Largest message after reassembly; larger closes with 1009. Default {@value #DEFAULT_MAX_MESSAGE_SIZE}.
     *
     * @param bytes the limit on one message in bytes, {@code > 0} and at least {@link #maxFrameSize}
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes <= 0}
     */
    public Builder maxMessageSize(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxMessageSize: " + bytes + " (expected: > 0)");
      }
      this.maxMessageSize = bytes;
      return this;
    }

    /**
     * How long the upgrade may take once the request is read (writing the 101); default 10 s. The time to
     * read the request itself is bounded by the core.
     *
     * @param timeout the limit, {@code > 0}; past it the connection is closed without a 101
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public Builder handshakeTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "handshakeTimeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("handshakeTimeout: " + timeout + " (expected: > 0)");
      }
      this.handshakeTimeoutMillis = timeout.toMillis();
      return this;
    }

    /**
     * Enables permessage-deflate (RFC 7692) for client messages, inflating at most {@code maxDecompressedBytes}
     * per message (a larger one closes with 1009: no decompression bombs; data that does not inflate closes
     * with 1007). Events are still sent uncompressed, so their bytes can be shared. The limit caps Netty's
     * inflate buffer per frame, which grows in steps, so a message somewhat under it (within one growth step)
     * may also be refused: leave headroom. Every valid offer is accepted, {@code server_max_window_bits} and
     * {@code server_no_context_takeover} included (livepush never compresses); malformed offers are declined
     * and the handshake completes without the extension (RFC 7692 §5.1, §7). With the option on, a frame with
     * a reserved bit its connection did not negotiate closes with 1002 (RFC 6455 §5.2). Default: off.
     *
     * @param maxDecompressedBytes the inflated size limit per message in bytes, {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code maxDecompressedBytes <= 0}
     */
    public Builder permessageDeflate(int maxDecompressedBytes) {
      if (maxDecompressedBytes <= 0) {
        throw new IllegalArgumentException("maxDecompressedBytes: " + maxDecompressedBytes + " (expected: > 0)");
      }
      this.deflateMaxBytes = maxDecompressedBytes;
      return this;
    }

    /**
     * The handler of client {@code message}s; without one they get error {@code unsupported}.
     *
     * @param handler the handler; see {@link WebSocketMessageHandler} for the thread it runs on
     * @return this builder
     */
    public Builder messageHandler(WebSocketMessageHandler handler) {
      this.handler = Objects.requireNonNull(handler, "handler");
      return this;
    }

    /**
     * Runs the message handler on {@code executor} instead of the event loop (one message at a time per
     * connection, in order). Default: the event loop.
     *
     * @param executor the executor; its threads must not be Netty event loops, and livepush does not shut it down
     * @return this builder
     */
    public Builder handlerExecutor(Executor executor) {
      this.handlerExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Messages per connection that may wait for the {@link #handlerExecutor}; one more closes with 1008.
     * Default {@value #DEFAULT_MAX_PENDING_MESSAGES}.
     *
     * @param n the queue bound per connection, {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code n <= 0}
     */
    public Builder maxPendingMessages(int n) {
      if (n <= 0) {
        throw new IllegalArgumentException("maxPendingMessages: " + n + " (expected: > 0)");
      }
      this.maxPendingMessages = n;
      return this;
    }

    /**
     * Conformance-testing mode: echoes every text and binary message instead of speaking livepush.v1 (used
     * by the Autobahn run). Never enable it in production.
     *
     * @param echo {@code true} for the echo mode
     * @return this builder
     */
    public Builder conformanceEcho(boolean echo) {
      this.echo = echo;
      return this;
    }

    /**
     * Builds the transport, for one {@link io.livepush.LivePushServer.Builder#transport}.
     *
     * @return a new transport
     * @throws IllegalStateException if {@link #allowAnyOrigin} was combined with {@link #allowedOrigins}, if
     *     {@link #maxMessageSize} is smaller than {@link #maxFrameSize}, or if a {@link #handlerExecutor} was set
     *     without a {@link #messageHandler}
     */
    public WebSocketTransport build() {
      if (anyOrigin && !allowedOrigins.isEmpty()) {
        throw new IllegalStateException("allowAnyOrigin: true (expected: not together with allowedOrigins)");
      }
      if (maxMessageSize < maxFrameSize) {
        throw new IllegalStateException("maxMessageSize: " + maxMessageSize + " (expected: >= maxFrameSize "
            + maxFrameSize + ")");
      }
      if (handlerExecutor != null && handler == null) {
        throw new IllegalStateException("handlerExecutor: set (expected: with a messageHandler)");
      }
      return new WebSocketTransport(this);
    }
  }
}
