package io.livepush;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.internal.Hub;
import io.livepush.internal.RouteClashes;
import io.livepush.internal.ServerTls;
import io.livepush.spi.EventBus;
import io.livepush.spi.MetricsListener;
import io.livepush.spi.Transport;
import io.netty.channel.Channel;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A livepush server: one port, the transports you add (SSE, WebSocket), one replay log, and
 * {@link #publish(String, Event)} callable from any thread.
 *
 * <pre>{@code
 * LivePushServer server = LivePushServer.builder()
 *     .port(8080)
 *     .transport(SseTransport.builder().route("/api/match/{id}/live", "match:{id}").build())
 *     .build();
 * server.start().join();
 * server.publish("match:42", Event.json(score).withType("score-update"));
 * }</pre>
 *
 * <h2>Lifecycle</h2>
 * {@link #start()} binds and completes with the server; {@link #stop()} stops accepting, then closes every
 * connection through its transport, spread over {@link Builder#shutdownDrain(Duration)} (SSE: a jittered
 * {@code retry:} after the last complete event; WebSocket: close 1001), waits (bounded) for those goodbyes and
 * releases the threads; {@link #close()} is a blocking, idempotent {@code stop()}. A server starts once.
 *
 * <h2>Guards</h2>
 * Authentication ({@link Builder#authenticator}), topic and client-publish authorization
 * ({@link TopicAuthorizer}), connection limits (total, per address, admission rate), a request-head deadline,
 * slow-consumer policies ({@link SlowConsumerPolicy}), TLS, presence ({@link #presence()}) and stats
 * ({@link #stats()}); each builder method states its default, and {@code docs/operations.md} lists them all.
 *
 * <h2>Threads</h2>
 * Netty event loops run all I/O. Listener and hook callbacks run on them and must not block.
 */
public final class LivePushServer implements AutoCloseable {
  private enum State { NEW, STARTING, STARTED, STOPPING, STOPPED }

  private final LivePushConfig config;
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final Publishing publishing;
  /** What this start runs on; {@code null} before {@link #start()}. */
  private volatile ServerRuntime runtime;
  /** Guarded by itself; copied into the hub's stats as an array on every change. */
  private final List<MetricsListener> metricsListeners = new ArrayList<>();
  private volatile CompletableFuture<Void> stopFuture;

  private LivePushServer(LivePushConfig config) {
    this.config = config;
    this.publishing = new Publishing(config, () -> {
      ServerRuntime rt = runtime;
      return rt == null || state.get() != State.STARTED ? null : rt.hub;
    });
  }

  /**
   * A builder with every default from {@link LivePushConfig}.
   *
   * @return a new builder; not thread-safe, configure it from one thread
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The configuration.
   *
   * @return the validated, immutable configuration this server was built with
   */
  public LivePushConfig config() {
    return config;
  }

  /**
   * Binds the port and starts serving. The future completes with this server once it accepts connections, or
   * exceptionally with a {@link ServerBindException} naming the address if binding fails (port taken, privileged
   * port, non-local host), with the bus's error if a bus cannot start, or with what a transport threw from
   * {@link Transport#init} or failed {@link Transport#listen} with. On every failure the server is stopped
   * before the future completes: its threads are gone, the port and the transports' own listeners are released,
   * and {@link #whenClosed()} is complete.
   *
   * @return a future completed on a Netty thread (or the bus's thread); never blocks the caller
   * @throws IllegalStateException if called twice
   */
  public CompletableFuture<LivePushServer> start() {
    if (!state.compareAndSet(State.NEW, State.STARTING)) {
      throw new IllegalStateException("server already started");
    }
    ServerRuntime rt;
    try {
      rt = new ServerRuntime(config); // cleans up after itself when it throws
    } catch (RuntimeException | Error e) {
      stop(); // nothing ran yet: stopped at once
      return CompletableFuture.failedFuture(e);
    }
    synchronized (metricsListeners) {
      rt.hub.stats().listeners(metricsListeners.toArray(new MetricsListener[0]));
      runtime = rt;
    }
    CompletableFuture<LivePushServer> started = new CompletableFuture<>();
    rt.start(publishing, this::stats).whenComplete((v, error) -> {
      state.set(State.STARTED);
      if (error == null) {
        started.complete(this);
      } else {
        stop().whenComplete((x, y) -> started.completeExceptionally(error));
      }
    });
    return started;
  }

  /**
   * The bound port; valid after {@link #start()} completed.
   *
   * @return the local port the listening socket is bound to (the chosen one when built with port 0)
   * @throws IllegalStateException if the server has not finished starting
   */
  public int port() {
    ServerRuntime rt = runtime;
    Channel ch = rt == null ? null : rt.serverChannel;
    if (ch == null) {
      throw new IllegalStateException("server not started");
    }
    return ((InetSocketAddress) ch.localAddress()).getPort();
  }

  /**
   * The socket I/O this server runs on, after any fallback from what {@link Builder#ioTransport} asked for.
   * Thread-safe; never blocks.
   *
   * @return {@link IoTransport#EPOLL}, {@link IoTransport#IO_URING} or {@link IoTransport#NIO}, never
   *     {@link IoTransport#AUTO}
   * @throws IllegalStateException if the server has not been started (or its start failed before the event
   *     loops existed)
   */
  public IoTransport ioTransportInUse() {
    ServerRuntime rt = runtime;
    if (rt == null) {
      throw new IllegalStateException("server not started");
    }
    return rt.io.chosen;
  }

  /**
   * Publishes {@code event} to {@code topic} and returns its id. Callable from any thread, never blocks on I/O:
   * the event is appended to the replay log and handed to the event loops of the topic's subscribers.
   *
   * <p><b>With a bus</b> ({@link Builder#bus}) this waits for the bus to accept the event and must not be
   * called on an event loop (it throws {@link IllegalStateException} there); prefer {@link #publishAsync}. Bus
   * failures are rethrown as they are (for example the Redis bus's {@code RedisBusException}).
   *
   * @param topic the topic name, per the grammar in {@link Topics}
   * @param event the event; its payload counts against {@link LivePushConfig#maxEventBytes()}
   * @return the event's id in the replay log (cluster-wide with a bus), usable as a resume position
   * @throws InvalidTopicException if the topic name is invalid, or a companion topic such as
   *     {@code room~presence}, which only livepush publishes to (see {@link Topics})
   * @throws InvalidEventException if the payload is larger than {@link LivePushConfig#maxEventBytes()} or a JSON
   *     value cannot be serialised
   * @throws IllegalStateException if the server is not started
   */
  public EventId publish(String topic, Event event) {
    return publishing.publish(topic, event);
  }

  /**
   * Publishes without waiting. Without a bus this is {@link #publish} with its result (or failure) wrapped in a
   * completed future. With a bus ({@link Builder#bus}) the future completes, on a bus thread, with the
   * cluster-wide id once the bus accepted the event, or exceptionally (for example when the bus is unreachable;
   * see the bus's documentation). Validation errors ({@link InvalidTopicException}, {@link InvalidEventException},
   * {@link IllegalStateException}) are thrown directly. Callers cannot complete the returned future.
   *
   * @param topic the topic name, per the grammar in {@link Topics}
   * @param event the event; its payload counts against {@link LivePushConfig#maxEventBytes()}
   * @return a future of the event's id; with a bus it completes on a bus thread, so chained stages must not block
   * @throws InvalidTopicException if the topic name is invalid or names a companion topic
   * @throws InvalidEventException if the payload is too large or cannot be serialised
   * @throws IllegalStateException if the server is not started
   */
  public CompletableFuture<EventId> publishAsync(String topic, Event event) {
    return publishing.publishAsync(topic, event);
  }

  /**
   * Open streaming connections (all transports).
   *
   * @return the number of open streaming connections, {@code 0} before start; a racy read from any thread
   */
  public int connectionCount() {
    Hub h = hub();
    return h == null ? 0 : h.connectionCount();
  }

  /**
   * A snapshot of the server's counters; see {@link LivePushStats}.
   *
   * @return a new snapshot, read without locks from any thread; counters are consistent each on its own
   * @throws IllegalStateException if the server has not been started
   */
  public LivePushStats stats() {
    return startedHub().snapshot();
  }

  /**
   * Adds a listener for the timings the core measures (delivery and bus publish latency), for a metrics
   * library; counters and gauges come from {@link #stats()}. Any thread, before or after {@link #start()}; the
   * listener's methods run on event loops and bus threads and must not block (see {@link MetricsListener}).
   *
   * @param listener the listener; it receives timings from the moment it is added
   */
  public void addMetricsListener(MetricsListener listener) {
    Objects.requireNonNull(listener, "listener");
    synchronized (metricsListeners) {
      metricsListeners.add(listener);
      publishMetricsListeners();
    }
  }

  /**
   * Removes a listener added with {@link #addMetricsListener}; unknown listeners are ignored. Any thread.
   *
   * @param listener a listener added earlier; {@code null} or unknown listeners are ignored
   */
  public void removeMetricsListener(MetricsListener listener) {
    synchronized (metricsListeners) {
      metricsListeners.remove(listener);
      publishMetricsListeners();
    }
  }

  private void publishMetricsListeners() {
    Hub h = hub();
    if (h != null) {
      h.stats().listeners(metricsListeners.toArray(new MetricsListener[0]));
    }
  }

  /**
   * Who follows which presence-enabled topic (see {@link Builder#presence}).
   *
   * @return the server's presence registry (cluster-wide when the bus supports it); any thread
   * @throws IllegalStateException if the server has not been started
   */
  public Presence presence() {
    return startedHub().presence();
  }

  /**
   * The replay log's epoch; changes on every start.
   *
   * @return the epoch, a random 40-bit value naming this log's history: the {@code <epoch>} part of the
   *     {@link EventId}s it issues
   * @throws IllegalStateException if the server has not been started
   */
  public long epoch() {
    return startedHub().log().epoch();
  }

  private Hub hub() {
    ServerRuntime rt = runtime;
    return rt == null ? null : rt.hub;
  }

  private Hub startedHub() {
    Hub h = hub();
    if (h == null) {
      throw new IllegalStateException("server not started");
    }
    return h;
  }

  /**
   * Stops: closes the listening socket, closes every connection through its transport, then shuts the event
   * loops down. Idempotent; returns the same future each time.
   *
   * @return a future completed on a Netty thread once the threads are released; it never completes exceptionally
   */
  public synchronized CompletableFuture<Void> stop() {
    if (stopFuture != null) {
      return stopFuture;
    }
    State previous = state.getAndSet(State.STOPPING);
    CompletableFuture<Void> f = new CompletableFuture<>();
    stopFuture = f;
    if (previous == State.NEW || runtime == null) { // never started, or its runtime could not be made
      state.set(State.STOPPED);
      closed.complete(null); // before f: when stop()/close() return, whenClosed() is already complete
      f.complete(null);
      return f;
    }
    ServerShutdown.run(config, runtime).whenComplete((v, e) -> {
      state.set(State.STOPPED);
      closed.complete(null); // before f, as above
      f.complete(null);
    });
    return f;
  }

  /**
   * Stops and waits; idempotent. Blocks the calling thread, so not on one of this server's event loops (see
   * {@link #blockUntilShutdown()}).
   */
  @Override
  public void close() {
    stop().join();
  }

  /**
   * Completes when the server has stopped; callers cannot complete it.
   *
   * @return a stage completed once {@link #stop()} has finished (on the thread that finished it)
   */
  public CompletionStage<Void> whenClosed() {
    return closed.minimalCompletionStage();
  }

  /**
   * Blocks the calling thread until the server has stopped. Not on one of this server's event loops (where
   * {@link NonBlocking} callbacks run): {@link #stop()} waits for those threads to end, so waiting there never
   * returns.
   */
  public void blockUntilShutdown() {
    closed.join();
  }

  /**
   * Registers a JVM shutdown hook that stops this server. Each call registers one more hook; call it once.
   *
   * @return this server, for chaining
   */
  public LivePushServer closeOnJvmShutdown() {
    Runtime.getRuntime().addShutdownHook(new Thread(this::close, "livepush-shutdown"));
    return this;
  }

  /**
   * Builds a {@link LivePushServer}. Setters validate eagerly and throw {@link IllegalArgumentException} with
   * the shape {@code "name: value (expected: ...)"}.
   */
  public static final class Builder {
    String host = LivePushConfig.DEFAULT_HOST;
    int port = LivePushConfig.DEFAULT_PORT;
    int ioThreads;
    IoTransport ioTransport = IoTransport.AUTO;
    Duration heartbeatInterval = LivePushConfig.DEFAULT_HEARTBEAT_INTERVAL;
    Duration heartbeatTimeout = LivePushConfig.DEFAULT_HEARTBEAT_TIMEOUT;
    int maxConnections = LivePushConfig.DEFAULT_MAX_CONNECTIONS;
    int maxTopicsPerConnection = LivePushConfig.DEFAULT_MAX_TOPICS_PER_CONNECTION;
    int maxEventBytes = LivePushConfig.DEFAULT_MAX_EVENT_BYTES;
    int maxRequestBytes = LivePushConfig.DEFAULT_MAX_REQUEST_BYTES;
    int maxInitialLineBytes = LivePushConfig.DEFAULT_MAX_INITIAL_LINE_BYTES;
    int maxHeaderBytes = LivePushConfig.DEFAULT_MAX_HEADER_BYTES;
    int maxPendingOutboundBytes = LivePushConfig.DEFAULT_MAX_PENDING_OUTBOUND_BYTES;
    Duration retry = LivePushConfig.DEFAULT_RETRY;
    ReplayConfig replay = ReplayConfig.defaults();
    ObjectMapper objectMapper;
    final List<Transport> transports = new ArrayList<>();
    final List<ConnectionListener> connectionListeners = new ArrayList<>();
    final List<HttpService> httpServices = new ArrayList<>();
    final List<HttpService> authenticatedHttpServices = new ArrayList<>();
    Executor blockingExecutor;
    TopicAuthorizer topicAuthorizer = TopicAuthorizer.ALLOW_ALL;
    Authenticator authenticator = Authenticator.ANONYMOUS;
    int maxConnectionsPerAddress = LivePushConfig.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
    int connectionRate = LivePushConfig.DEFAULT_CONNECTION_RATE;
    int connectionBurst = LivePushConfig.DEFAULT_CONNECTION_BURST;
    Duration requestHeaderTimeout = LivePushConfig.DEFAULT_REQUEST_HEADER_TIMEOUT;
    int authFailureRate = LivePushConfig.DEFAULT_AUTH_FAILURE_RATE;
    int authFailureBurst = LivePushConfig.DEFAULT_AUTH_FAILURE_BURST;
    final java.util.Set<String> allowedHosts = new java.util.LinkedHashSet<>();
    Function<String, SlowConsumerPolicy> slowConsumerPolicy = t -> SlowConsumerPolicy.DISCONNECT;
    Duration shutdownDrain = LivePushConfig.DEFAULT_SHUTDOWN_DRAIN;
    int shutdownBatchSize = LivePushConfig.DEFAULT_SHUTDOWN_BATCH_SIZE;
    ServerTls tls;
    boolean http2 = true;
    int http2MaxConcurrentStreams = LivePushConfig.DEFAULT_HTTP2_MAX_CONCURRENT_STREAMS;
    Predicate<String> presenceTopics = t -> false;
    Duration presenceGrace = LivePushConfig.DEFAULT_PRESENCE_GRACE;
    Function<Principal, Map<String, Object>> presenceMetadata = p -> Map.of();
    String statsPath;
    boolean presenceSnapshot;
    EventBus bus;
    boolean retainRequestHeaders;

    private Builder() {}

    /**
     * Who may open connections (see {@link Authenticator} for browsers); refusals get 401/403 before the stream
     * or upgrade. Default {@link Authenticator#ANONYMOUS}.
     *
     * @param authenticator the authenticator; it runs on the {@link #blockingExecutor} unless marked {@link
     *     NonBlocking}
     * @return this builder
     */
    public Builder authenticator(Authenticator authenticator) {
      this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
      return this;
    }

    /**
     * Streaming connections one client IP address may hold (503 + {@code Retry-After} on SSE, close 1013 on
     * WebSocket beyond it); default {@code 0}: unlimited, because behind a proxy every client has the proxy's
     * address.
     *
     * @param n connections per address, {@code >= 0}; {@code 0} for no limit
     * @return this builder
     * @throws IllegalArgumentException if {@code n < 0}
     */
    public Builder maxConnectionsPerAddress(int n) {
      this.maxConnectionsPerAddress = Checks.nonNegative("maxConnectionsPerAddress", n);
      return this;
    }

    /**
     * Admission rate for new streaming connections: a token bucket of {@code perSecond} tokens per second
     * holding at most {@code burst}; beyond it 503 + {@code Retry-After} (SSE) or 1013 (WebSocket), so a mass
     * reconnect is spread instead of flattening the server. {@code perSecond == 0} disables it. Default
     * {@value LivePushConfig#DEFAULT_CONNECTION_RATE}/s, burst {@value LivePushConfig#DEFAULT_CONNECTION_BURST}.
     *
     * @param perSecond tokens added per second, {@code >= 0}; {@code 0} disables the admission rate
     * @param burst tokens the bucket holds at most, {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code perSecond < 0} or {@code burst <= 0}
     */
    public Builder connectionRate(int perSecond, int burst) {
      this.connectionRate = Checks.nonNegative("connectionRate", perSecond);
      this.connectionBurst = Checks.positive("burst", burst);
      return this;
    }

    /**
     * Throttles credential and ticket guessing: every refusal by the {@link Authenticator} (401, 403, or an
     * exception) takes one token from its client address's bucket, which holds {@code burst} and refills at
     * {@code perMinute}; while it is empty, requests from that address get {@code 429 Too Many Requests} with
     * {@code Retry-After} (RFC 6585 §4) before the authenticator runs, counted as refusal
     * {@code auth-failure-rate}. 429 rather than 503: the server is fine, this client is not. Successful
     * authentications cost nothing. Behind a proxy every client shares its address: raise the numbers or pass
     * {@code perMinute == 0} to disable. At most 100,000 addresses are tracked (beyond, new ones are not).
     * Default {@value LivePushConfig#DEFAULT_AUTH_FAILURE_RATE}/min, burst
     * {@value LivePushConfig#DEFAULT_AUTH_FAILURE_BURST}.
     *
     * @param perMinute tokens an address regains per minute, {@code >= 0}; {@code 0} disables the throttle
     * @param burst refusals an address may collect before it is throttled, {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code perMinute < 0} or {@code burst <= 0}
     */
    public Builder authenticationFailureRate(int perMinute, int burst) {
      this.authFailureRate = Checks.nonNegative("authenticationFailureRate", perMinute);
      this.authFailureBurst = Checks.positive("burst", burst);
      return this;
    }

    /**
     * Serves only requests whose target host (the {@code Host} header, or the authority of an absolute-form
     * target, RFC 9112 §3.2) is listed: a name (any port) or {@code host:port}, matched case-insensitively; IPv6
     * literals in brackets. Others get {@code 421 Misdirected Request} (RFC 9110 §15.5.20: this server will not
     * answer for that host), which defeats DNS rebinding: a page on a hostile name that resolves to this
     * server cannot read it. Requests without any host (HTTP/1.0 without {@code Host}) are refused too. May
     * be called repeatedly; default: none, every host is served.
     *
     * @param hosts host names or {@code host:port} authorities, added to those given before
     * @return this builder
     * @throws IllegalArgumentException if an entry is not {@code uri-host [":" port]}
     */
    public Builder allowedHosts(String... hosts) {
      for (String h : hosts) {
        Objects.requireNonNull(h, "host");
        String lower = h.trim().toLowerCase(java.util.Locale.ROOT);
        if (lower.isEmpty() || !io.livepush.internal.RequestTarget.isAuthority(lower)) {
          throw new IllegalArgumentException("allowedHosts: " + h + " (expected: host or host:port)");
        }
        allowedHosts.add(lower);
      }
      return this;
    }

    /**
     * Time a client has to send a complete request head (slow-loris guard); past it the server answers 408 and
     * closes. {@link Duration#ZERO} disables it. Default 10 s.
     *
     * @param timeout the deadline for a complete request head, {@code >= 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public Builder requestHeaderTimeout(Duration timeout) {
      this.requestHeaderTimeout = Checks.nonNegative("requestHeaderTimeout", timeout);
      return this;
    }

    /**
     * The slow-consumer policy of every subscription; default {@link SlowConsumerPolicy#DISCONNECT}.
     *
     * @param policy the policy for every topic
     * @return this builder
     */
    public Builder slowConsumerPolicy(SlowConsumerPolicy policy) {
      Objects.requireNonNull(policy, "policy");
      this.slowConsumerPolicy = t -> policy;
      return this;
    }

    /**
     * The slow-consumer policy per topic, decided when a subscription starts; {@code null} means DISCONNECT.
     *
     * @param byTopic maps a topic name to its policy; runs on an event loop when a subscription starts, so it must
     *     not block
     * @return this builder
     */
    public Builder slowConsumerPolicy(Function<String, SlowConsumerPolicy> byTopic) {
      this.slowConsumerPolicy = Objects.requireNonNull(byTopic, "byTopic");
      return this;
    }

    /**
     * On {@link #stop()}, the window over which connections are closed, in batches of at most
     * {@link #shutdownBatchSize(int)} per event loop. Default 3 s; zero closes everything at once.
     *
     * @param window the closing window, {@code >= 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code window} is negative
     */
    public Builder shutdownDrain(Duration window) {
      this.shutdownDrain = Checks.nonNegative("shutdownDrain", window);
      return this;
    }

    /**
     * Largest number of connections one event loop closes at once during shutdown; default 100.
     *
     * @param n connections per event loop per batch, {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code n <= 0}
     */
    public Builder shutdownBatchSize(int n) {
      this.shutdownBatchSize = Checks.positive("shutdownBatchSize", n);
      return this;
    }

    /**
     * Serves https/wss with a PEM certificate chain (leaf first) and a PEM PKCS#8 private key (unencrypted),
     * read once, now. Uses OpenSSL (BoringSSL) when {@code io.netty:netty-tcnative-boringssl-static} is on the
     * class path, the JDK engine otherwise. Connections negotiate {@code h2} or {@code http/1.1} by ALPN (RFC 7301;
     * see {@link #http2(boolean)}). Plain HTTP and TLS on one port are not supported. Replaces an earlier {@code tls} call.
     *
     * @param certChain a PEM file with the server certificate first, then its intermediates
     * @param privateKey a PEM file with the certificate's unencrypted PKCS#8 private key
     * @return this builder
     * @throws IllegalArgumentException if the files cannot be read or the key does not fit the certificate
     */
    public Builder tls(Path certChain, Path privateKey) {
      Objects.requireNonNull(certChain, "certChain");
      Objects.requireNonNull(privateKey, "privateKey");
      this.tls = ServerTls.pem(certChain, privateKey);
      return this;
    }

    /**
     * Serves https/wss with the key and certificate chain of a key store (PKCS#12, JKS), e.g.
     * {@code KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
     * kmf.init(keyStore, password)}. OpenSSL or the JDK engine as for {@link #tls(Path, Path)}.
     *
     * @param keys an initialised key manager factory holding one server key
     * @return this builder
     * @throws IllegalArgumentException if the factory holds no usable key
     */
    public Builder tls(KeyManagerFactory keys) {
      this.tls = ServerTls.keyManager(keys);
      return this;
    }

    /**
     * Serves https/wss with a ready JDK {@link SSLContext} (its key managers, protocols and cipher suites), on
     * the JDK engine; for key material in a hardware module or a provider of your own. Connections run in server
     * mode without client authentication and negotiate {@code h2} or {@code http/1.1} by ALPN (see
     * {@link #http2(boolean)}).
     *
     * @param context an initialised context with a server key manager
     * @return this builder
     * @throws IllegalArgumentException if the context is not initialised
     */
    public Builder tls(SSLContext context) {
      this.tls = ServerTls.jdk(context);
      return this;
    }

    /**
     * Serves https/wss with a fresh self-signed certificate for {@code localhost}: development only, browsers
     * will warn. On Java 17+ Netty generates it with BouncyCastle when present, else with the JDK's
     * {@code keytool}.
     *
     * @return this builder
     * @throws IllegalStateException if no certificate can be generated
     */
    public Builder tlsSelfSigned() {
      try {
        SelfSignedCertificate cert = new SelfSignedCertificate("localhost");
        try {
          return tls(cert.certificate().toPath(), cert.privateKey().toPath());
        } finally {
          cert.delete(); // read above; the temporary files are not needed any more
        }
      } catch (java.security.cert.CertificateException e) {
        throw new IllegalStateException("cannot generate a self-signed certificate: " + e.getMessage(), e);
      }
    }

    /**
     * HTTP/2 (RFC 9113) on the same port as HTTP/1.1, default on: cleartext {@code h2c} for a client that
     * starts with the HTTP/2 connection preface (prior knowledge, §3.3) or asks for {@code Upgrade: h2c} in its
     * first request, and {@code h2} for a TLS client that negotiates it by ALPN (RFC 7301; {@code h2} preferred,
     * then {@code http/1.1}). Each stream is served like an HTTP/1.1 request: the same routes, services,
     * admission stage and limits ({@code maxConnections} and the admission rate count streams), an outbound
     * budget of {@link #maxPendingOutboundBytes(int)} per stream, heartbeats per stream. WebSocket stays on
     * HTTP/1.1. Off: HTTP/1.1 only. See docs/protocol.md, "HTTP/2".
     *
     * @param enabled whether to serve HTTP/2
     * @return this builder
     */
    public Builder http2(boolean enabled) {
      this.http2 = enabled;
      return this;
    }

    /**
     * Concurrent streams one HTTP/2 connection may have, sent as {@code SETTINGS_MAX_CONCURRENT_STREAMS}
     * (RFC 9113 §6.5.2); a stream beyond it is refused with RST_STREAM (REFUSED_STREAM). Default
     * {@value LivePushConfig#DEFAULT_HTTP2_MAX_CONCURRENT_STREAMS}; each stream may hold up to
     * {@link #maxPendingOutboundBytes(int)} of outbound bytes.
     *
     * @param n concurrent streams per connection
     * @return this builder
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public Builder http2MaxConcurrentStreams(int n) {
      this.http2MaxConcurrentStreams = Checks.positive("http2MaxConcurrentStreams", n);
      return this;
    }

    /**
     * Tracks who follows the topics {@code topics} accepts (see {@link Presence}); join and leave events go to
     * {@code topic + "~presence"}. Default: no topic.
     *
     * @param topics accepts the topic names that track presence; it runs on event loops and must not block
     * @return this builder
     */
    public Builder presence(Predicate<String> topics) {
      this.presenceTopics = Objects.requireNonNull(topics, "topics");
      return this;
    }

    /**
     * How long a member whose last connection left stays listed (no flapping on resume); default 5 s.
     *
     * @param grace how long a member stays listed after its last connection closed, {@code >= 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code grace} is negative
     */
    public Builder presenceGrace(Duration grace) {
      this.presenceGrace = Checks.nonNegative("presenceGrace", grace);
      return this;
    }

    /**
     * Whether a connection subscribing to a presence-enabled topic first gets the topic's current members (see
     * "Snapshot on subscribe" in {@link Presence}); default {@code false}.
     *
     * @param enabled {@code true} to send the members before the topic's events
     * @return this builder
     */
    public Builder presenceSnapshot(boolean enabled) {
      this.presenceSnapshot = enabled;
      return this;
    }

    /**
     * The public metadata presence lists and announces for a principal; default none.
     *
     * @param metadata maps a principal to the public fields listed with it (serialised with the server's
     *     {@link ObjectMapper}); it must not block
     * @return this builder
     */
    public Builder presenceMetadata(Function<Principal, Map<String, Object>> metadata) {
      this.presenceMetadata = Objects.requireNonNull(metadata, "metadata");
      return this;
    }

    /**
     * Serves {@link LivePushServer#stats()} as JSON on {@code GET path}; default: not served.
     *
     * @param path the request path, starting with {@code /}
     * @return this builder
     * @throws IllegalArgumentException if {@code path} does not start with {@code /}
     */
    public Builder statsService(String path) {
      Objects.requireNonNull(path, "path");
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException("statsService: " + path + " (expected: starting with /)");
      }
      this.statsPath = path;
      return this;
    }

    /**
     * Address to bind; default {@value LivePushConfig#DEFAULT_HOST}.
     *
     * @param host a host name or IP literal to listen on; {@code 0.0.0.0} for every interface
     * @return this builder
     */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /**
     * Port to bind, {@code 0} for any free one; default {@value LivePushConfig#DEFAULT_PORT}.
     *
     * @param port the TCP port, {@code 0..65535}
     * @return this builder
     * @throws IllegalArgumentException if {@code port} is outside {@code 0..65535}
     */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
      }
      this.port = port;
      return this;
    }

    /**
     * Event-loop threads; default {@code 0}: Netty's default of twice the available cores.
     *
     * @param n the number of event loops, {@code >= 0}; {@code 0} for Netty's default
     * @return this builder
     * @throws IllegalArgumentException if {@code n < 0}
     */
    public Builder ioThreads(int n) {
      this.ioThreads = Checks.nonNegative("ioThreads", n);
      return this;
    }

    /**
     * Use epoll where available (default {@code true}); NIO otherwise. The same as {@code ioTransport(enabled ?
     * IoTransport.AUTO : IoTransport.NIO)}; the later of the two calls wins.
     *
     * @param enabled {@code false} to force NIO even where epoll is available
     * @return this builder
     */
    public Builder nativeTransport(boolean enabled) {
      this.ioTransport = enabled ? IoTransport.AUTO : IoTransport.NIO;
      return this;
    }

    /**
     * The socket I/O: {@link IoTransport#AUTO} (default: epoll where available, else NIO),
     * {@link IoTransport#EPOLL}, {@link IoTransport#IO_URING} (Netty 4.2's io_uring transport) or
     * {@link IoTransport#NIO}. Resolved when the server starts: a native transport that is unavailable there
     * falls back (io_uring to epoll to NIO) with a warning naming the cause, so the same configuration starts on
     * any machine; {@link LivePushServer#ioTransportInUse()} and the start-up log line say what was chosen. The
     * later of this and {@link #nativeTransport(boolean)} wins.
     *
     * @param transport the I/O transport to ask for
     * @return this builder
     * @throws NullPointerException if {@code transport} is {@code null}
     */
    public Builder ioTransport(IoTransport transport) {
      this.ioTransport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /**
     * Heartbeat interval; default 15 s.
     *
     * @param interval time between heartbeats on an idle connection, {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code interval} is not positive
     */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeatInterval = Checks.positive("heartbeatInterval", interval);
      return this;
    }

    /**
     * How long a peer that answers heartbeats may stay silent after one; default 10 s.
     *
     * @param timeout the silence, {@code > 0}, after which such a peer is closed
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public Builder heartbeatTimeout(Duration timeout) {
      this.heartbeatTimeout = Checks.positive("heartbeatTimeout", timeout);
      return this;
    }

    /**
     * Maximum streaming connections; default {@value LivePushConfig#DEFAULT_MAX_CONNECTIONS}.
     *
     * @param n the limit over all transports, {@code > 0}; beyond it new streams get 503 (SSE) or close 1013
     *     (WebSocket)
     * @return this builder
     * @throws IllegalArgumentException if {@code n <= 0}
     */
    public Builder maxConnections(int n) {
      this.maxConnections = Checks.positive("maxConnections", n);
      return this;
    }

    /**
     * Topics one connection may follow; default {@value LivePushConfig#DEFAULT_MAX_TOPICS_PER_CONNECTION}.
     *
     * @param n the limit, {@code > 0}; a request for more topics is refused
     * @return this builder
     * @throws IllegalArgumentException if {@code n <= 0}
     */
    public Builder maxTopicsPerConnection(int n) {
      this.maxTopicsPerConnection = Checks.positive("maxTopicsPerConnection", n);
      return this;
    }

    /**
     * Largest event payload in bytes; default 1 MiB.
     *
     * @param n the limit in bytes, {@code > 0}; larger publishes throw {@link InvalidEventException}
     * @return this builder
     * @throws IllegalArgumentException if {@code n <= 0}
     */
    public Builder maxEventBytes(int n) {
      this.maxEventBytes = Checks.positive("maxEventBytes", n);
      return this;
    }

    /**
     * Largest request body in bytes (larger gets 413); default 64 KiB.
     *
     * @param n the limit in bytes, {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code n <= 0}
     */
    public Builder maxRequestBytes(int n) {
      this.maxRequestBytes = Checks.positive("maxRequestBytes", n);
      return this;
    }

    /**
     * Largest request line (larger gets 414); default 4096.
     *
     * @param n the limit in bytes, {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code n <= 0}
     */
    public Builder maxInitialLineBytes(int n) {
      this.maxInitialLineBytes = Checks.positive("maxInitialLineBytes", n);
      return this;
    }

    /**
     * Largest header block (larger gets 431); default 8192.
     *
     * @param n the limit in bytes, {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code n <= 0}
     */
    public Builder maxHeaderBytes(int n) {
      this.maxHeaderBytes = Checks.positive("maxHeaderBytes", n);
      return this;
    }

    /**
     * Outbound bytes a connection may have queued before it counts as a slow consumer (Netty's high write-buffer
     * water mark; the low mark is half); default 256 KiB.
     *
     * @param n the high water mark in bytes, {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code n <= 0}
     */
    public Builder maxPendingOutboundBytes(int n) {
      this.maxPendingOutboundBytes = Checks.positive("maxPendingOutboundBytes", n);
      return this;
    }

    /**
     * Whether a connection keeps its request's headers and cookies once it is open; default {@code false}.
     * They are always available to the {@link Authenticator}, to {@link TopicAuthorizer}s deciding at connect
     * time and to {@link ConnectionListener#onOpen}; afterwards {@link ConnectionInfo#request()} keeps the
     * method, path, query and address only, which saves several hundred bytes per idle connection. Authorize
     * later subscriptions (WebSocket) by the principal the authenticator returned.
     *
     * @param retain {@code true} to keep headers and cookies for the connection's lifetime
     * @return this builder
     */
    public Builder retainRequestHeaders(boolean retain) {
      this.retainRequestHeaders = retain;
      return this;
    }

    /**
     * Reconnect delay suggested to clients (SSE {@code retry:}, {@code Retry-After}); default 3 s.
     *
     * @param retry the delay, {@code > 0}; sent in whole milliseconds (SSE) or seconds ({@code Retry-After})
     * @return this builder
     * @throws IllegalArgumentException if {@code retry} is not positive
     */
    public Builder retry(Duration retry) {
      this.retry = Checks.positive("retry", retry);
      return this;
    }

    /**
     * Replay log bounds; default {@link ReplayConfig#defaults()}.
     *
     * @param replay the log's count, byte and age bounds
     * @return this builder
     */
    public Builder replay(ReplayConfig replay) {
      this.replay = Objects.requireNonNull(replay, "replay");
      return this;
    }

    /**
     * The mapper for {@link Event#json(Object)} payloads; default a plain {@code new ObjectMapper()}.
     *
     * @param mapper the mapper; used from any publishing thread, so it must be configured before the server starts
     * @return this builder
     */
    public Builder objectMapper(ObjectMapper mapper) {
      this.objectMapper = Objects.requireNonNull(mapper, "objectMapper");
      return this;
    }

    /**
     * Adds a transport; requests are offered to transports in the order added. Two transports may not claim the
     * same path ({@link Transport#routes()}): {@link #build()} refuses that.
     *
     * @param transport a transport instance, added once; it belongs to this server from then on
     * @return this builder
     * @throws IllegalArgumentException if the same transport instance was added before
     */
    public Builder transport(Transport transport) {
      Objects.requireNonNull(transport, "transport");
      for (Transport t : transports) {
        if (t == transport) {
          throw new IllegalArgumentException("transport " + transport.name() + " added twice");
        }
      }
      transports.add(transport);
      return this;
    }

    /**
     * Adds a connection listener.
     *
     * @param listener the listener; its callbacks run on the {@link #blockingExecutor} unless it is {@link
     *     NonBlocking}
     * @return this builder
     */
    public Builder connectionListener(ConnectionListener listener) {
      connectionListeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Adds a plain HTTP service for requests no transport claims; it runs on the {@link #blockingExecutor} unless
     * it is {@link NonBlocking} (see {@link HttpService}).
     *
     * @param service the service; services are asked in the order added
     * @return this builder
     */
    public Builder httpService(HttpService service) {
      httpServices.add(Objects.requireNonNull(service, "service"));
      return this;
    }

    /**
     * Adds an HTTP service that sees only requests the server's {@link #authenticator} accepts, with their
     * {@link RequestInfo#principal()}; refusals get the authenticator's 401 (with its challenge) or 403 before
     * the service runs. It is asked after the plain services, so a public page registered with
     * {@link #httpService} is never authenticated. The authenticator runs once per request, only for requests
     * no plain service answered.
     *
     * @param service the service; services are asked in the order added
     * @return this builder
     */
    public Builder authenticatedHttpService(HttpService service) {
      authenticatedHttpServices.add(Objects.requireNonNull(service, "service"));
      return this;
    }

    /**
     * Where callbacks that may block run: the {@link Authenticator}, {@link TopicAuthorizer}s,
     * {@link HttpService}s, {@link ConnectionListener}s and the transports' handlers (callbacks marked
     * {@link NonBlocking} run on the event loop instead). Results come back to the connection's event loop.
     * Its threads must not be Netty event loops. livepush does not shut down an executor given here.
     *
     * <p>Default: on Java 21+ a new virtual thread per task; on Java 17–20 a pool of
     * {@value io.livepush.internal.BlockingExecutors#POOL_THREADS} threads with a queue of
     * {@value io.livepush.internal.BlockingExecutors#POOL_QUEUE} tasks. When an executor rejects a task the
     * request is answered with 503 + {@code Retry-After} (SSE, HTTP services) or closed with 1013 (WebSocket).
     * The default executor is shut down on {@link LivePushServer#stop()}.
     *
     * @param executor the executor; not shut down by livepush
     * @return this builder
     */
    public Builder blockingExecutor(Executor executor) {
      this.blockingExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Decides who may follow which topic; default: everyone everything.
     *
     * @param authorizer the authorizer; it runs on the {@link #blockingExecutor} unless it is {@link NonBlocking}
     * @return this builder
     */
    public Builder topicAuthorizer(TopicAuthorizer authorizer) {
      this.topicAuthorizer = Objects.requireNonNull(authorizer, "authorizer");
      return this;
    }

    /**
     * The validated configuration without a server, for code that assembles the core itself (tests, embedding
     * in another Netty pipeline).
     *
     * @return the configuration these settings describe
     * @throws IllegalStateException if no transport was added
     * @throws IllegalArgumentException if two transports claim the same path ({@link Transport#routes()}); the
     *     message names both transports and both routes
     */
    public LivePushConfig buildConfig() {
      if (transports.isEmpty()) {
        throw new IllegalStateException("transports: none (expected: at least one, e.g. SseTransport)");
      }
      RouteClashes.check(transports);
      return new LivePushConfig(this);
    }

    /**
     * Shares the log with other nodes through {@code bus} (for example {@code RedisBus}): ids become
     * cluster-wide, every publish reaches the subscribers of every node, a client resumes on any node. The
     * server starts the bus with itself and stops it on {@link #stop()}; one bus serves one server. Default:
     * none, a single node with its in-memory log.
     *
     * @param bus the bus, not shared with another server
     * @return this builder
     */
    public Builder bus(EventBus bus) {
      this.bus = Objects.requireNonNull(bus, "bus");
      return this;
    }

    /**
     * Builds the server (not started).
     *
     * @return a new server; call {@link LivePushServer#start()} to serve
     * @throws IllegalStateException if no transport was added
     * @throws IllegalArgumentException if two transports claim the same path ({@link Transport#routes()}); the
     *     message names both transports and both routes
     */
    public LivePushServer build() {
      return new LivePushServer(buildConfig());
    }
  }
}
