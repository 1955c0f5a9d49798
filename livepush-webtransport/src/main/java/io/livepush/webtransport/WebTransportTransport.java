package io.livepush.webtransport;

import io.livepush.CloseReason;
import io.livepush.EventId;
import io.livepush.ResetReason;
import io.livepush.spi.PublishedEvent;
import io.livepush.spi.ServerListener;
import io.livepush.spi.Session;
import io.livepush.spi.Transport;
import io.livepush.spi.TransportContext;
import io.livepush.websocket.OriginPolicy;
import io.livepush.websocket.V1Messages;
import io.livepush.websocket.WebSocketMessageHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * WebTransport over HTTP/3 (draft-ietf-webtrans-http3; HTTP/3 RFC 9114 and QUIC RFC 9000 on Netty's codecs),
 * speaking livepush.v1 on one bidirectional stream per session: the same messages, ids, replay log, resume and
 * {@code reset} as {@code WebSocketTransport}, run by the same code ({@link io.livepush.websocket.V1Session}).
 *
 * <pre>{@code
 * LivePushServer server = LivePushServer.builder()
 *     .port(8443)
 *     .tls(certFile, keyFile)                       // the page and the WebSocket/SSE fallbacks (TCP)
 *     .transport(WebTransportTransport.builder()
 *         .path("/live/wt")
 *         .certificate(privateKey, certificate)     // TLS 1.3 for QUIC (mandatory)
 *         .allowedOrigins("https://app.example")
 *         .build())
 *     .build();
 * }</pre>
 *
 * <h2>Listener</h2>
 * When the server has bound its TCP port, this transport binds UDP at the same port number and host on the
 * server's event loops ({@link Transport#listen}) and serves HTTP/3 there (RFC 9114): WebTransport sessions, and
 * every other request as the TCP listener does (each request stream goes to the core's router: SSE,
 * long-polling, the application's {@code HttpService}s, the same admission stage and limits; see
 * docs/protocol.md, "HTTP/3"). A CONNECT that is not a WebTransport session gets an error status (404, 501).
 * Unless {@link Builder#altSvc(boolean)} turned it off, every HTTP/1.1 and HTTP/2 response on the TCP listener,
 * when that serves TLS, advertises the listener ({@code Alt-Svc: h3=":port"; ma=seconds}, RFC 7838), so browsers
 * send the origin's later requests over HTTP/3. TLS 1.3 is mandatory in QUIC (RFC 9001), so a
 * certificate is required; browsers accept a self-signed one only through {@code serverCertificateHashes}
 * (ECDSA P-256, valid at most 14 days; {@link #certificateHash()}). Stopping the server closes the sessions
 * (CLOSE_WEBTRANSPORT_SESSION, code 1001), then sends GOAWAY and closes every QUIC connection and the socket.
 *
 * <h2>Sessions</h2>
 * An extended CONNECT (RFC 9220) with {@code :protocol = webtransport} to one of the {@link Builder#path paths}
 * passes the {@code Origin} check (403) and the core's admission stage: the server's authenticator (401/403),
 * connection limits (503) and admission rate, each a status on the CONNECT; then {@code 200}. The client opens one
 * bidirectional stream for the session and speaks livepush.v1 on it, each message framed as
 * {@code kind (1 byte: 1 text, 2 binary) | length (4 bytes, big-endian) | payload}. A session ends with a
 * CLOSE_WEBTRANSPORT_SESSION capsule carrying the WebSocket close code livepush would send (1000, 1001, 1008,
 * ...) and the reason.
 *
 * <h2>Bounds and liveness</h2>
 * Every byte a session writes counts against the server's {@code maxPendingOutboundBytes} (the stream's write
 * buffer water mark; the stream stops being writable when QUIC flow control holds its bytes back), so a client
 * that stops reading meets the server's slow-consumer policy like a WebSocket client. Dead peers are found by
 * the QUIC idle timeout ({@link Builder#idleTimeout}); a session idle for the server's heartbeat interval gets a
 * {@code heartbeat} message, so a peer that stopped the session's stream is found. Inbound messages are
 * at most {@link Builder#maxMessageSize} bytes; the QUIC limits ({@link Builder#maxStreamsPerConnection}, flow
 * control windows) bound what a client can make the server hold.
 *
 * <p>Threading: every method except {@link #encode} runs on a connection's event loop (see {@link Transport}).
 */
public final class WebTransportTransport implements Transport {
  /** {@link #name()}. */
  public static final String NAME = "webtransport";
  /** A session's heartbeat message; see {@link #encodeHeartbeat}. */
  private static final byte[] HEARTBEAT = WtFrames.message(WtFrames.TEXT,
      "{\"type\":\"heartbeat\"}".getBytes(StandardCharsets.US_ASCII));
  /** Default {@link Builder#idleTimeout}: 30 seconds. */
  public static final long DEFAULT_IDLE_TIMEOUT_MILLIS = 30_000;
  /** Default {@link Builder#maxMessageSize}: 64 KiB. */
  public static final int DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024;
  /** Default {@link Builder#maxSessionsPerConnection}. */
  public static final int DEFAULT_MAX_SESSIONS_PER_CONNECTION = 4;
  /** Default {@link Builder#maxStreamsPerConnection}. */
  public static final int DEFAULT_MAX_STREAMS_PER_CONNECTION = 16;
  /** Default {@link Builder#maxPendingMessages}. */
  public static final int DEFAULT_MAX_PENDING_MESSAGES = 64;
  /** Default {@link Builder#altSvcMaxAge}: 86,400 seconds (one day, RFC 7838 §3.1's default freshness). */
  public static final long DEFAULT_ALT_SVC_MAX_AGE_SECONDS = 86_400;
  /** Largest {@link Builder#altSvcMaxAge}, in seconds (2^31 - 1, a delta-seconds every cache can hold). */
  public static final long MAX_ALT_SVC_MAX_AGE_SECONDS = Integer.MAX_VALUE;

  final Set<String> paths;
  final OriginPolicy origins;
  final PrivateKey key;
  final X509Certificate[] certificateChain;
  final long idleTimeoutMillis;
  final int maxMessageSize;
  final int maxSessionsPerConnection;
  final int maxStreamsPerConnection;
  final WebSocketMessageHandler handler;
  final Executor handlerExecutor;
  final int maxPendingMessages;
  /** {@code ma} of the Alt-Svc field, in seconds; 0: not advertised. */
  private final long altSvcMaxAgeSeconds;
  volatile TransportContext context;
  /** livepush.v1's shared part, made with the context. */
  volatile io.livepush.websocket.V1Protocol v1;
  private volatile Http3Listener listener;
  /** The Alt-Svc field while the listener runs and advertising is on; else {@code null}. */
  private volatile HttpHeaders altSvc;

  private WebTransportTransport(Builder b) {
    this.paths = Set.copyOf(b.paths);
    this.origins = OriginPolicy.of(b.allowedOrigins, b.anyOrigin, b.allowMissingOrigin);
    this.key = b.key;
    this.certificateChain = b.chain.clone();
    this.idleTimeoutMillis = b.idleTimeoutMillis;
    this.maxMessageSize = b.maxMessageSize;
    this.maxSessionsPerConnection = b.maxSessionsPerConnection;
    this.maxStreamsPerConnection = b.maxStreamsPerConnection;
    this.handler = b.handler;
    this.handlerExecutor = b.handlerExecutor;
    this.maxPendingMessages = b.maxPendingMessages;
    this.altSvcMaxAgeSeconds = b.altSvc ? b.altSvcMaxAgeSeconds : 0;
  }

  /**
   * A builder; {@link Builder#path} and {@link Builder#certificate} are required.
   *
   * @return a new builder with the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void init(TransportContext context) {
    this.context = context;
    this.v1 = new io.livepush.websocket.V1Protocol(context, handler, handlerExecutor, maxPendingMessages);
  }

  /** TCP requests are never WebTransport: always {@code false}. */
  @Override
  public boolean handle(ChannelHandlerContext ctx, FullHttpRequest request) {
    return false;
  }

  @Override
  public CompletionStage<Void> listen(ServerListener serverListener) {
    Http3Listener l = new Http3Listener(this, serverListener);
    listener = l;
    return l.bind().thenRun(() -> {
      // h3 is for https origins only (RFC 9114 §3.1); on plain TCP the origin is http:// (browsers ignore the
      // field), or https:// at a TLS-terminating proxy whose host and port the field would misname.
      if (altSvcMaxAgeSeconds > 0 && context.config().tls()) {
        altSvc = new DefaultHttpHeaders().add(HttpHeaderNames.ALT_SVC, altSvcValue(l.port(), altSvcMaxAgeSeconds));
      }
    });
  }

  @Override
  public CompletionStage<Void> stopListening() {
    altSvc = null;
    Http3Listener l = listener;
    return l == null ? CompletableFuture.completedFuture(null) : l.close();
  }

  /**
   * {@code Alt-Svc: h3=":port"; ma=seconds} (RFC 7838 §3: an alternative on the same host, the UDP port of the
   * HTTP/3 listener, ALPN {@code h3} of RFC 9114 §3.1) while the listener runs, unless {@link Builder#altSvc}
   * turned advertising off; the core adds it to every HTTP/1.1 and HTTP/2 response head on the TCP listener.
   *
   * @return the field, or {@code null} before the listener is bound, after it stopped, when advertising is off,
   *     or when the TCP listener has no TLS (an {@code http} origin, see {@link Builder#altSvc})
   */
  @Override
  public HttpHeaders responseHeaders() {
    return altSvc;
  }

  /** RFC 7838 §3: {@code alt-value = alpn-id "=" alt-authority *( OWS ";" OWS parameter )}. */
  static String altSvcValue(int port, long maxAgeSeconds) {
    return "h3=\":" + port + "\"; ma=" + maxAgeSeconds;
  }

  /**
   * The UDP port the HTTP/3 listener is bound to: the server's TCP port number.
   *
   * @return the bound port
   * @throws IllegalStateException before the server started
   */
  public int port() {
    Http3Listener l = listener;
    if (l == null || l.port() < 0) {
      throw new IllegalStateException("not listening");
    }
    return l.port();
  }

  /**
   * The SHA-256 of the leaf certificate (its DER encoding): the value a browser's {@code serverCertificateHashes}
   * names for a self-signed certificate (W3C WebTransport, "compute a certificate hash").
   *
   * @return 32 bytes, a fresh copy
   */
  public byte[] certificateHash() {
    try {
      return MessageDigest.getInstance("SHA-256").digest(certificateChain[0].getEncoded());
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public byte[] encode(PublishedEvent event) {
    return WtFrames.event(event);
  }

  @Override
  public ByteBuf encodeReset(ByteBufAllocator alloc, String topic, ResetReason reason, EventId position) {
    return WtFrames.text(alloc, V1Messages.reset(topic, reason, position));
  }

  @Override
  public ByteBuf encodeSubscribed(ByteBufAllocator alloc, Collection<String> topics, EventId position) {
    return encodeSubscribed(alloc, topics, position, null);
  }

  @Override
  public ByteBuf encodeSubscribed(ByteBufAllocator alloc, Collection<String> topics, EventId position,
      String ref) {
    return WtFrames.text(alloc, V1Messages.subscribed(topics, position, ref));
  }

  @Override
  public ByteBuf encodePresenceSnapshot(ByteBufAllocator alloc, String topic, byte[] json) {
    return WtFrames.buffer(alloc, WtFrames.message(WtFrames.TEXT, V1Messages.presence(topic, json)));
  }

  /**
   * {@code {"type":"heartbeat"}} (25 bytes with its framing), written on a session idle for a heartbeat
   * interval; clients ignore it (docs/protocol.md). QUIC's idle timeout finds dead peers, but only a write can
   * find a live peer that stopped the session's stream (STOP_SENDING, RFC 9000 §3.5): Netty 4.2.18 signals it on
   * no write-less path (netty/netty#17380), and the write then fails, which closes the session; a peer that
   * stopped reading leaves it queued, which starts the core's stall clock.
   */
  @Override
  public ByteBuf encodeHeartbeat(ByteBufAllocator alloc) {
    return WtFrames.buffer(alloc, HEARTBEAT);
  }

  /**
   * An HTTP datagram of the session when its client asked for them ({@code "datagrams": true} in a
   * subscribe), the connection negotiated them and the event fits the path's largest datagram; otherwise
   * {@code false} (the core writes it on the session's stream). docs/protocol.md, "Datagrams".
   */
  @Override
  public boolean sendUnreliable(Session session, String topic, ByteBuf event) {
    WtSessionStream s = session.channel().pipeline().get(WtSessionStream.class);
    return s != null && s.sendDatagram(event);
  }

  @Override
  public void close(Session session, CloseReason reason) {
    WtSessionStream s = session.channel().pipeline().get(WtSessionStream.class);
    if (s == null) {
      session.channel().close();
      return;
    }
    s.closeFor(reason);
  }

  /**
   * Builds a {@link WebTransportTransport}. Setters validate eagerly and throw {@link IllegalArgumentException}
   * shaped {@code "name: value (expected: ...)"}; a {@code null} argument (or array entry) is refused with a
   * {@link NullPointerException} naming the parameter, as {@code WebSocketTransport.Builder}'s setters do.
   */
  public static final class Builder {
    private final Set<String> paths = new LinkedHashSet<>();
    private final Set<String> allowedOrigins = new LinkedHashSet<>();
    private boolean anyOrigin;
    private boolean allowMissingOrigin = true;
    private PrivateKey key;
    private X509Certificate[] chain;
    private long idleTimeoutMillis = DEFAULT_IDLE_TIMEOUT_MILLIS;
    private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
    private int maxSessionsPerConnection = DEFAULT_MAX_SESSIONS_PER_CONNECTION;
    private int maxStreamsPerConnection = DEFAULT_MAX_STREAMS_PER_CONNECTION;
    private WebSocketMessageHandler handler;
    private Executor handlerExecutor;
    private int maxPendingMessages = DEFAULT_MAX_PENDING_MESSAGES;
    private boolean altSvc = true;
    private long altSvcMaxAgeSeconds = DEFAULT_ALT_SVC_MAX_AGE_SECONDS;

    private Builder() {}

    /**
     * Adds a path that accepts WebTransport sessions ({@code :path} of the CONNECT, without its query).
     *
     * @param path an absolute path, {@code /...}
     * @return this builder
     * @throws NullPointerException if {@code path} is {@code null}
     * @throws IllegalArgumentException if {@code path} does not start with {@code /} or has a query
     */
    public Builder path(String path) {
      Objects.requireNonNull(path, "path");
      if (!path.startsWith("/") || path.indexOf('?') >= 0 || path.indexOf('#') >= 0) {
        throw new IllegalArgumentException("path: " + path + " (expected: an absolute path without query)");
      }
      paths.add(path);
      return this;
    }

    /**
     * The TLS certificate and key of the QUIC listener (TLS 1.3, RFC 9001). For browsers with a self-signed
     * certificate: ECDSA P-256, valid at most 14 days, named by {@code serverCertificateHashes}.
     *
     * @param key the private key of the leaf certificate
     * @param chain the leaf certificate first, then its issuers
     * @return this builder
     * @throws NullPointerException if {@code key}, {@code chain} or an entry of it is {@code null}
     * @throws IllegalArgumentException if {@code chain} is empty
     */
    public Builder certificate(PrivateKey key, X509Certificate... chain) {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(chain, "chain");
      if (chain.length == 0) {
        throw new IllegalArgumentException("chain: empty (expected: the leaf certificate first)");
      }
      for (X509Certificate c : chain) {
        Objects.requireNonNull(c, "chain");
      }
      this.key = key;
      this.chain = chain.clone();
      return this;
    }

    /**
     * Browser origins allowed to open sessions, as {@code scheme://host[:port]}; others get 403 on the CONNECT.
     * Default (none added): same origin only, that is the {@code Origin}'s host and port equal
     * {@code :authority}.
     *
     * @param origins serialised origins, compared case-insensitively
     * @return this builder
     * @throws NullPointerException if {@code origins} or an entry is {@code null}
     * @throws IllegalArgumentException if an entry is not {@code scheme://host[:port]}
     */
    public Builder allowedOrigins(String... origins) {
      Objects.requireNonNull(origins, "origins");
      for (String o : origins) {
        allowedOrigins.add(OriginPolicy.normalize(o));
      }
      return this;
    }

    /**
     * Accepts every {@code Origin}: only for endpoints that use no ambient credentials.
     *
     * @return this builder; {@link #build()} refuses it together with {@link #allowedOrigins}
     */
    public Builder allowAnyOrigin() {
      this.anyOrigin = true;
      return this;
    }

    /**
     * Whether a CONNECT without {@code Origin} (a non-browser client) is accepted; default {@code true}.
     *
     * @param allow {@code false} to refuse (403) sessions without {@code Origin}
     * @return this builder
     */
    public Builder allowMissingOrigin(boolean allow) {
      this.allowMissingOrigin = allow;
      return this;
    }

    /**
     * The QUIC idle timeout ({@code max_idle_timeout}, RFC 9000 §10.1): a connection that receives nothing for
     * this long is closed with its sessions, which resume elsewhere from their last id. Default 30 s.
     *
     * @param timeout at least 1 second
     * @return this builder
     * @throws NullPointerException if {@code timeout} is {@code null}
     * @throws IllegalArgumentException if shorter than 1 second
     */
    public Builder idleTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      long ms = timeout.toMillis();
      if (ms < 1000) {
        throw new IllegalArgumentException("idleTimeout: " + timeout + " (expected: >= 1s)");
      }
      this.idleTimeoutMillis = ms;
      return this;
    }

    /**
     * Largest inbound livepush.v1 message, in bytes of payload; a larger one ends the session with 1009.
     * Default {@value #DEFAULT_MAX_MESSAGE_SIZE}.
     *
     * @param bytes 1 to 16 MiB
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxMessageSize(int bytes) {
      if (bytes < 1 || bytes > 16 * 1024 * 1024) {
        throw new IllegalArgumentException("maxMessageSize: " + bytes + " (expected: 1..16777216)");
      }
      this.maxMessageSize = bytes;
      return this;
    }

    /**
     * Most WebTransport sessions at once on one QUIC connection (advertised as {@code SETTINGS_WT_MAX_SESSIONS});
     * one more CONNECT gets 429. Default {@value #DEFAULT_MAX_SESSIONS_PER_CONNECTION}. Every session also counts
     * for the server's {@code maxConnections} and per-address limits.
     *
     * @param sessions at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     */
    public Builder maxSessionsPerConnection(int sessions) {
      if (sessions < 1) {
        throw new IllegalArgumentException("maxSessionsPerConnection: " + sessions + " (expected: >= 1)");
      }
      this.maxSessionsPerConnection = sessions;
      return this;
    }

    /**
     * Most client-opened bidirectional streams open at once on one QUIC connection
     * ({@code initial_max_streams_bidi}, RFC 9000 §4.6): each session uses two (CONNECT and livepush.v1), each
     * ordinary HTTP/3 request one while it lasts (an SSE stream or a held long-poll for as long as it is open).
     * QUIC itself keeps a client within it. Default {@value #DEFAULT_MAX_STREAMS_PER_CONNECTION}.
     *
     * @param streams at least 2
     * @return this builder
     * @throws IllegalArgumentException if below 2
     */
    public Builder maxStreamsPerConnection(int streams) {
      if (streams < 2) {
        throw new IllegalArgumentException("maxStreamsPerConnection: " + streams + " (expected: >= 2)");
      }
      this.maxStreamsPerConnection = streams;
      return this;
    }

    /**
     * The application's handler of client {@code message}s, as for WebSocket (the same interface and threading).
     *
     * @param handler the handler; without one (the default) {@code message} is answered with error
     *     {@code unsupported}
     * @return this builder
     * @throws NullPointerException if {@code handler} is {@code null}
     */
    public Builder messageHandler(WebSocketMessageHandler handler) {
      this.handler = Objects.requireNonNull(handler, "handler");
      return this;
    }

    /**
     * Where blocking message handlers run instead of the server's blocking executor.
     *
     * @param executor the executor (without one, the default, the server's blocking executor); its threads must
     *     not be Netty event loops, and livepush does not shut it down
     * @return this builder
     * @throws NullPointerException if {@code executor} is {@code null}
     */
    public Builder handlerExecutor(Executor executor) {
      this.handlerExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Most messages per session waiting for a callback, the one in flight included; one more ends the session
     * with 1008. Default {@value #DEFAULT_MAX_PENDING_MESSAGES}.
     *
     * @param messages at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     */
    public Builder maxPendingMessages(int messages) {
      if (messages < 1) {
        throw new IllegalArgumentException("maxPendingMessages: " + messages + " (expected: >= 1)");
      }
      this.maxPendingMessages = messages;
      return this;
    }

    /**
     * Whether HTTP/1.1 and HTTP/2 responses on the server's TCP listener advertise the HTTP/3 listener with
     * {@code Alt-Svc: h3=":port"; ma=seconds} (RFC 7838), so that browsers send the origin's later requests
     * (pages, SSE, long-polls, fetches) over HTTP/3 on UDP. Default {@code true}. Turn it off when UDP to the port
     * is blocked on the way to clients, or when the QUIC certificate is not one browsers trust for the origin
     * (a {@code serverCertificateHashes} one: they ignore the advertisement then, after a failed attempt).
     * Only a server with TLS on its TCP listener ({@code LivePushServer.Builder.tls}) advertises: HTTP/3 serves
     * {@code https} origins (RFC 9114 §3.1); without TLS the origin is {@code http} (browsers ignore the field)
     * or a TLS-terminating proxy's, whose host and port the field cannot name (let the proxy advertise).
     *
     * @param advertise {@code false} to send no {@code Alt-Svc}
     * @return this builder
     */
    public Builder altSvc(boolean advertise) {
      this.altSvc = advertise;
      return this;
    }

    /**
     * How long a browser may keep using the advertised HTTP/3 listener without hearing it again: the
     * {@code ma} parameter of {@code Alt-Svc} (RFC 7838 §3.1), in whole seconds. Default one day.
     *
     * @param maxAge 1 second to {@value #MAX_ALT_SVC_MAX_AGE_SECONDS} seconds; fractions are dropped
     * @return this builder
     * @throws NullPointerException if {@code maxAge} is {@code null}
     * @throws IllegalArgumentException if out of range
     */
    public Builder altSvcMaxAge(Duration maxAge) {
      Objects.requireNonNull(maxAge, "maxAge");
      long s = maxAge.getSeconds();
      if (s < 1 || s > MAX_ALT_SVC_MAX_AGE_SECONDS) {
        throw new IllegalArgumentException("altSvcMaxAge: " + maxAge + " (expected: 1s.."
            + MAX_ALT_SVC_MAX_AGE_SECONDS + "s)");
      }
      this.altSvcMaxAgeSeconds = s;
      return this;
    }

    /**
     * Builds the transport.
     *
     * @return the transport
     * @throws IllegalStateException without a path or a certificate, or with {@link #allowAnyOrigin} and
     *     {@link #allowedOrigins} together
     */
    public WebTransportTransport build() {
      if (paths.isEmpty()) {
        throw new IllegalStateException("path: none (expected: at least one)");
      }
      if (key == null) {
        throw new IllegalStateException("certificate: none (expected: TLS 1.3 is mandatory for QUIC)");
      }
      return new WebTransportTransport(this);
    }
  }
}
