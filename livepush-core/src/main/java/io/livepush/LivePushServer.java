package io.livepush;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.internal.DefaultRequestInfo;
import io.livepush.internal.Hub;
import io.livepush.internal.RouterHandler;
import io.livepush.internal.Stats;
import io.livepush.spi.PipelineNames;
import io.livepush.spi.Session;
import io.livepush.spi.Transport;
import io.livepush.spi.TransportContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * {@link #start()} binds and completes with the server; {@link #stop()} closes every connection (transports
 * say goodbye: WebSocket sends close 1001) and releases the threads; {@link #close()} is a blocking, idempotent
 * {@code stop()}. A server starts once.
 *
 * <h2>Threads</h2>
 * Netty event loops run all I/O. Listener and hook callbacks run on them and must not block.
 */
public final class LivePushServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LivePushServer.class);

  private enum State { NEW, STARTING, STARTED, STOPPING, STOPPED }

  /** Longest {@link #stop()} waits for connections to finish their goodbyes. */
  static final long GOODBYE_TIMEOUT_MILLIS = 3_000;

  private final LivePushConfig config;
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile Hub hub;
  private volatile Channel serverChannel;
  private volatile EventLoopGroup bossGroup;
  private volatile EventLoopGroup workerGroup;
  private volatile CompletableFuture<Void> stopFuture;

  private LivePushServer(LivePushConfig config) {
    this.config = config;
  }

  /** A builder with every default from {@link LivePushConfig}. */
  public static Builder builder() {
    return new Builder();
  }

  /** The configuration. */
  public LivePushConfig config() {
    return config;
  }

  /**
   * Binds the port and starts serving. The future completes with this server once it accepts connections, or
   * exceptionally if binding fails (the server is then stopped).
   *
   * @throws IllegalStateException if called twice
   */
  public CompletableFuture<LivePushServer> start() {
    if (!state.compareAndSet(State.NEW, State.STARTING)) {
      throw new IllegalStateException("server already started");
    }
    boolean epoll = config.nativeTransport() && Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    bossGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("livepush-accept"), io);
    workerGroup = new MultiThreadIoEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("livepush-io"), io);
    List<EventLoop> loops = new ArrayList<>();
    for (EventExecutor e : workerGroup) {
      loops.add((EventLoop) e);
    }
    long epoch = new SecureRandom().nextLong() & 0xFF_FFFF_FFFFL; // 40 bits: 8 base-36 digits at most
    Hub h = new Hub(config, loops, epoch, System::nanoTime);
    hub = h;
    List<Transport> transports = config.transports();
    for (int i = 0; i < transports.size(); i++) {
      transports.get(i).init(new Context(h, transports.get(i), i));
    }
    RouterHandler router = new RouterHandler(transports, config.httpServices());
    int high = config.maxPendingOutboundBytes();
    ServerBootstrap b = new ServerBootstrap()
        .group(bossGroup, workerGroup)
        .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(high / 2, high))
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                .addLast(PipelineNames.HTTP_CODEC, new HttpServerCodec(config.maxInitialLineBytes(),
                    config.maxHeaderBytes(), 8192))
                .addLast(PipelineNames.HTTP_AGGREGATOR, new HttpObjectAggregator(config.maxRequestBytes()))
                .addLast(PipelineNames.ROUTER, router);
          }
        });
    CompletableFuture<LivePushServer> started = new CompletableFuture<>();
    b.bind(config.host(), config.port()).addListener(f -> {
      if (f.isSuccess()) {
        serverChannel = ((io.netty.channel.ChannelFuture) f).channel();
        h.startTimers();
        state.set(State.STARTED);
        LOG.info("livepush listening on {} ({}, transports {})", serverChannel.localAddress(),
            epoll ? "epoll" : "nio", transports.stream().map(Transport::name).toList());
        started.complete(this);
      } else {
        state.set(State.STARTED);
        stop().whenComplete((v, e) -> started.completeExceptionally(f.cause()));
      }
    });
    return started;
  }

  /** The bound port; valid after {@link #start()} completed. */
  public int port() {
    Channel ch = serverChannel;
    if (ch == null) {
      throw new IllegalStateException("server not started");
    }
    return ((InetSocketAddress) ch.localAddress()).getPort();
  }

  /**
   * Publishes {@code event} to {@code topic} and returns its id. Callable from any thread, never blocks on I/O:
   * the event is appended to the replay log and handed to the event loops of the topic's subscribers.
   *
   * @throws InvalidTopicException if the topic name is invalid
   * @throws InvalidEventException if the payload is larger than {@link LivePushConfig#maxEventBytes()} or a JSON
   *     value cannot be serialised
   * @throws IllegalStateException if the server is not started
   */
  public EventId publish(String topic, Event event) {
    Topics.validate(topic);
    Objects.requireNonNull(event, "event");
    Hub h = hub;
    if (h == null || state.get() != State.STARTED) {
      throw new IllegalStateException("server is not running");
    }
    byte[] payload = payloadBytes(event, config.objectMapper());
    if (payload.length > config.maxEventBytes()) {
      throw new InvalidEventException("payload is " + payload.length + " bytes (expected: <= "
          + config.maxEventBytes() + ")");
    }
    return h.publish(topic, event.type(), event.kind(), payload);
  }

  static byte[] payloadBytes(Event event, ObjectMapper mapper) {
    byte[] bytes = event.bytesUnsafe();
    if (bytes != null) {
      return bytes;
    }
    try {
      return mapper.writeValueAsBytes(event.jsonValue());
    } catch (JsonProcessingException e) {
      throw new InvalidEventException("cannot serialise JSON payload: " + e.getOriginalMessage());
    }
  }

  /** Open streaming connections (all transports). */
  public int connectionCount() {
    Hub h = hub;
    return h == null ? 0 : h.connectionCount();
  }

  /** Internal counters, for tests and the stats snapshot. */
  public Stats stats() {
    Hub h = hub;
    if (h == null) {
      throw new IllegalStateException("server not started");
    }
    return h.stats();
  }

  /** The replay log's epoch; changes on every start. */
  public long epoch() {
    Hub h = hub;
    if (h == null) {
      throw new IllegalStateException("server not started");
    }
    return h.log().epoch();
  }

  /**
   * Stops: closes the listening socket, closes every connection through its transport, then shuts the event
   * loops down. Idempotent; returns the same future each time.
   */
  public synchronized CompletableFuture<Void> stop() {
    if (stopFuture != null) {
      return stopFuture;
    }
    State previous = state.getAndSet(State.STOPPING);
    CompletableFuture<Void> f = new CompletableFuture<>();
    stopFuture = f;
    if (previous == State.NEW) {
      state.set(State.STOPPED);
      f.complete(null);
      closed.complete(null);
      return f;
    }
    Hub h = hub;
    Channel sc = serverChannel;
    Runnable shutdown = () -> {
      CompletableFuture<Void> goodbyes = CompletableFuture.completedFuture(null);
      if (h != null) {
        h.stopTimers();
        // Event loops close their channels as soon as they start shutting down: wait (bounded) until every
        // connection finished its goodbye (WebSocket: close frame, then the peer's answer) before that.
        goodbyes = h.closeAll(CloseReason.SERVER_STOPPING)
            .completeOnTimeout(null, GOODBYE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      }
      goodbyes.whenComplete((v, e) ->
          workerGroup.shutdownGracefully(100, 5_000, TimeUnit.MILLISECONDS).addListener(w ->
              bossGroup.shutdownGracefully(0, 1_000, TimeUnit.MILLISECONDS).addListener(x -> {
                state.set(State.STOPPED);
                f.complete(null);
                closed.complete(null);
              })));
    };
    if (sc != null) {
      sc.close().addListener(x -> shutdown.run());
    } else {
      shutdown.run();
    }
    return f;
  }

  /** Stops and waits; idempotent. */
  @Override
  public void close() {
    stop().join();
  }

  /** Completes when the server has stopped; callers cannot complete it. */
  public CompletionStage<Void> whenClosed() {
    return closed.minimalCompletionStage();
  }

  /** Blocks until the server has stopped. */
  public void blockUntilShutdown() {
    closed.join();
  }

  /** Registers a JVM shutdown hook that stops this server. */
  public LivePushServer closeOnJvmShutdown() {
    Runtime.getRuntime().addShutdownHook(new Thread(this::close, "livepush-shutdown"));
    return this;
  }

  private final class Context implements TransportContext {
    private final Hub hub;
    private final Transport transport;
    private final int index;

    Context(Hub hub, Transport transport, int index) {
      this.hub = hub;
      this.transport = transport;
      this.index = index;
    }

    @Override
    public LivePushConfig config() {
      return config;
    }

    @Override
    public ObjectMapper objectMapper() {
      return config.objectMapper();
    }

    @Override
    public RequestInfo requestInfo(Channel channel, FullHttpRequest request) {
      return new DefaultRequestInfo(request, channel.remoteAddress());
    }

    @Override
    public boolean canSubscribe(RequestInfo request, String topic) {
      return config.topicAuthorizer().canSubscribe(request, topic);
    }

    @Override
    public void admit() {
      hub.admit();
    }

    @Override
    public void releaseAdmission() {
      hub.releaseAdmission();
    }

    @Override
    public Session openSession(Channel channel, RequestInfo request) {
      return hub.openSession(channel, transport, index, request);
    }

    @Override
    public EventId publish(String topic, Event event) {
      return LivePushServer.this.publish(topic, event);
    }
  }

  /**
   * Builds a {@link LivePushServer}. Setters validate eagerly and throw {@link IllegalArgumentException} with
   * the shape {@code "name: value (expected: ...)"}.
   */
  public static final class Builder {
    String host = LivePushConfig.DEFAULT_HOST;
    int port = LivePushConfig.DEFAULT_PORT;
    int ioThreads;
    boolean nativeTransport = true;
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
    TopicAuthorizer topicAuthorizer = TopicAuthorizer.ALLOW_ALL;

    private Builder() {}

    /** Address to bind; default {@value LivePushConfig#DEFAULT_HOST}. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** Port to bind, {@code 0} for any free one; default {@value LivePushConfig#DEFAULT_PORT}. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
      }
      this.port = port;
      return this;
    }

    /** Event-loop threads; default {@code 0}: Netty's default of twice the available cores. */
    public Builder ioThreads(int n) {
      this.ioThreads = Checks.nonNegative("ioThreads", n);
      return this;
    }

    /** Use epoll where available (default {@code true}); NIO otherwise. */
    public Builder nativeTransport(boolean enabled) {
      this.nativeTransport = enabled;
      return this;
    }

    /** Heartbeat interval; default 15 s. */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeatInterval = Checks.positive("heartbeatInterval", interval);
      return this;
    }

    /** How long a peer that answers heartbeats may stay silent after one; default 10 s. */
    public Builder heartbeatTimeout(Duration timeout) {
      this.heartbeatTimeout = Checks.positive("heartbeatTimeout", timeout);
      return this;
    }

    /** Maximum streaming connections; default {@value LivePushConfig#DEFAULT_MAX_CONNECTIONS}. */
    public Builder maxConnections(int n) {
      this.maxConnections = Checks.positive("maxConnections", n);
      return this;
    }

    /** Topics one connection may follow; default {@value LivePushConfig#DEFAULT_MAX_TOPICS_PER_CONNECTION}. */
    public Builder maxTopicsPerConnection(int n) {
      this.maxTopicsPerConnection = Checks.positive("maxTopicsPerConnection", n);
      return this;
    }

    /** Largest event payload in bytes; default 1 MiB. */
    public Builder maxEventBytes(int n) {
      this.maxEventBytes = Checks.positive("maxEventBytes", n);
      return this;
    }

    /** Largest request body in bytes (larger gets 413); default 64 KiB. */
    public Builder maxRequestBytes(int n) {
      this.maxRequestBytes = Checks.positive("maxRequestBytes", n);
      return this;
    }

    /** Largest request line (larger gets 414); default 4096. */
    public Builder maxInitialLineBytes(int n) {
      this.maxInitialLineBytes = Checks.positive("maxInitialLineBytes", n);
      return this;
    }

    /** Largest header block (larger gets 431); default 8192. */
    public Builder maxHeaderBytes(int n) {
      this.maxHeaderBytes = Checks.positive("maxHeaderBytes", n);
      return this;
    }

    /**
     * Outbound bytes a connection may have queued before it counts as a slow consumer (Netty's high write-buffer
     * water mark; the low mark is half); default 256 KiB.
     */
    public Builder maxPendingOutboundBytes(int n) {
      this.maxPendingOutboundBytes = Checks.positive("maxPendingOutboundBytes", n);
      return this;
    }

    /** Reconnect delay suggested to clients (SSE {@code retry:}, {@code Retry-After}); default 3 s. */
    public Builder retry(Duration retry) {
      this.retry = Checks.positive("retry", retry);
      return this;
    }

    /** Replay log bounds; default {@link ReplayConfig#defaults()}. */
    public Builder replay(ReplayConfig replay) {
      this.replay = Objects.requireNonNull(replay, "replay");
      return this;
    }

    /** The mapper for {@link Event#json(Object)} payloads; default a plain {@code new ObjectMapper()}. */
    public Builder objectMapper(ObjectMapper mapper) {
      this.objectMapper = Objects.requireNonNull(mapper, "objectMapper");
      return this;
    }

    /** Adds a transport; requests are offered to transports in the order added. */
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

    /** Adds a connection listener. */
    public Builder connectionListener(ConnectionListener listener) {
      connectionListeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** Adds a plain HTTP service for requests no transport claims. */
    public Builder httpService(HttpService service) {
      httpServices.add(Objects.requireNonNull(service, "service"));
      return this;
    }

    /** Decides who may follow which topic; default: everyone everything. */
    public Builder topicAuthorizer(TopicAuthorizer authorizer) {
      this.topicAuthorizer = Objects.requireNonNull(authorizer, "authorizer");
      return this;
    }

    /**
     * Builds the server (not started).
     *
     * @throws IllegalStateException if no transport was added
     */
    public LivePushServer build() {
      if (transports.isEmpty()) {
        throw new IllegalStateException("transports: none (expected: at least one, e.g. SseTransport)");
      }
      return new LivePushServer(new LivePushConfig(this));
    }
  }
}
