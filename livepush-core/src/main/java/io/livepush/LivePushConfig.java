package io.livepush;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.spi.EventBus;
import io.livepush.spi.Transport;
import io.livepush.internal.ServerTls;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The immutable configuration of a {@link LivePushServer}, made by {@link LivePushServer.Builder}. Each default
 * is stated once, on the constant below and in the builder method's javadoc.
 */
public final class LivePushConfig {
  /** Default bind address: every interface. */
  public static final String DEFAULT_HOST = "0.0.0.0";
  /** Default port. */
  public static final int DEFAULT_PORT = 8080;
  /** Default heartbeat interval; under the 30 s the SSE issue asks for and common 60 s proxy idle timeouts. */
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(15);
  /** Default time a peer that answers heartbeats (WebSocket) has to answer before it is closed. */
  public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(10);
  /** Default connection limit. */
  public static final int DEFAULT_MAX_CONNECTIONS = 20_000;
  /** Default number of topics one connection may follow. */
  public static final int DEFAULT_MAX_TOPICS_PER_CONNECTION = 64;
  /** Default largest event payload, in bytes. */
  public static final int DEFAULT_MAX_EVENT_BYTES = 1 << 20;
  /** Default largest request body (plain HTTP services, one-off streams), in bytes. */
  public static final int DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;
  /** Default largest request line, in bytes. */
  public static final int DEFAULT_MAX_INITIAL_LINE_BYTES = 4096;
  /** Default largest request header block, in bytes; larger gets 431. */
  public static final int DEFAULT_MAX_HEADER_BYTES = 8192;
  /** Default outbound budget per connection, in bytes: past it the connection counts as a slow consumer. */
  public static final int DEFAULT_MAX_PENDING_OUTBOUND_BYTES = 256 * 1024;
  /** Default SSE {@code retry:} and {@code Retry-After} hint. */
  public static final Duration DEFAULT_RETRY = Duration.ofSeconds(3);

  /** Default per-address connection limit: {@code 0}, off (behind a proxy every client shares its address). */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 0;
  /** Default admission rate, new streaming connections per second across the server; {@code 0} disables. */
  public static final int DEFAULT_CONNECTION_RATE = 5_000;
  /** Default admission burst: connections admitted at once before the rate applies. */
  public static final int DEFAULT_CONNECTION_BURST = 5_000;
  /** Default refill of each address's failed-authentication allowance, per minute; {@code 0} disables. */
  public static final int DEFAULT_AUTH_FAILURE_RATE = 30;
  /** Default failed authentications an address may make at once before it gets 429. */
  public static final int DEFAULT_AUTH_FAILURE_BURST = 20;
  /** Default time a client has to send a complete request head (slow-loris guard); zero disables. */
  public static final Duration DEFAULT_REQUEST_HEADER_TIMEOUT = Duration.ofSeconds(10);
  /** Default window over which shutdown spreads its disconnects. */
  public static final Duration DEFAULT_SHUTDOWN_DRAIN = Duration.ofSeconds(3);
  /** Default largest number of connections one event loop closes at once during shutdown. */
  public static final int DEFAULT_SHUTDOWN_BATCH_SIZE = 100;
  /** Default presence grace period: a member whose last connection left stays listed this long. */
  public static final Duration DEFAULT_PRESENCE_GRACE = Duration.ofSeconds(5);
  /** Default {@code SETTINGS_MAX_CONCURRENT_STREAMS} of an HTTP/2 connection (RFC 9113 §6.5.2). */
  public static final int DEFAULT_HTTP2_MAX_CONCURRENT_STREAMS = 100;

  private final String host;
  private final int port;
  private final int ioThreads;
  private final IoTransport ioTransport;
  private final Duration heartbeatInterval;
  private final Duration heartbeatTimeout;
  private final int maxConnections;
  private final int maxTopicsPerConnection;
  private final int maxEventBytes;
  private final int maxRequestBytes;
  private final int maxInitialLineBytes;
  private final int maxHeaderBytes;
  private final int maxPendingOutboundBytes;
  private final Duration retry;
  private final boolean retainRequestHeaders;
  private final ReplayConfig replay;
  private final ObjectMapper objectMapper;
  private final List<Transport> transports;
  private final List<ConnectionListener> connectionListeners;
  private final List<HttpService> httpServices;
  private final List<HttpService> authenticatedHttpServices;
  private final java.util.concurrent.Executor blockingExecutor;
  private final TopicAuthorizer topicAuthorizer;
  private final Authenticator authenticator;
  private final int maxConnectionsPerAddress;
  private final int connectionRate;
  private final int connectionBurst;
  private final Duration requestHeaderTimeout;
  private final int authFailureRate;
  private final int authFailureBurst;
  private final java.util.Set<String> allowedHosts;
  private final Function<String, SlowConsumerPolicy> slowConsumerPolicy;
  private final Duration shutdownDrain;
  private final int shutdownBatchSize;
  private final ServerTls tls;
  private final boolean http2;
  private final int http2MaxConcurrentStreams;
  private final Predicate<String> presenceTopics;
  private final Duration presenceGrace;
  private final Function<Principal, Map<String, Object>> presenceMetadata;
  private final String statsPath;
  private final boolean presenceSnapshot;
  private final EventBus bus;

  LivePushConfig(LivePushServer.Builder b) {
    host = b.host;
    port = b.port;
    ioThreads = b.ioThreads;
    ioTransport = b.ioTransport;
    heartbeatInterval = b.heartbeatInterval;
    heartbeatTimeout = b.heartbeatTimeout;
    maxConnections = b.maxConnections;
    maxTopicsPerConnection = b.maxTopicsPerConnection;
    maxEventBytes = b.maxEventBytes;
    maxRequestBytes = b.maxRequestBytes;
    maxInitialLineBytes = b.maxInitialLineBytes;
    maxHeaderBytes = b.maxHeaderBytes;
    maxPendingOutboundBytes = b.maxPendingOutboundBytes;
    retry = b.retry;
    retainRequestHeaders = b.retainRequestHeaders;
    replay = b.replay;
    objectMapper = b.objectMapper != null ? b.objectMapper : new ObjectMapper();
    transports = List.copyOf(b.transports);
    connectionListeners = List.copyOf(b.connectionListeners);
    httpServices = List.copyOf(b.httpServices);
    authenticatedHttpServices = List.copyOf(b.authenticatedHttpServices);
    blockingExecutor = b.blockingExecutor;
    topicAuthorizer = b.topicAuthorizer;
    authenticator = b.authenticator;
    maxConnectionsPerAddress = b.maxConnectionsPerAddress;
    connectionRate = b.connectionRate;
    connectionBurst = b.connectionBurst;
    requestHeaderTimeout = b.requestHeaderTimeout;
    authFailureRate = b.authFailureRate;
    authFailureBurst = b.authFailureBurst;
    allowedHosts = java.util.Set.copyOf(b.allowedHosts);
    slowConsumerPolicy = b.slowConsumerPolicy;
    shutdownDrain = b.shutdownDrain;
    shutdownBatchSize = b.shutdownBatchSize;
    tls = b.tls;
    http2 = b.http2;
    http2MaxConcurrentStreams = b.http2MaxConcurrentStreams;
    presenceTopics = b.presenceTopics;
    presenceGrace = b.presenceGrace;
    presenceMetadata = b.presenceMetadata;
    statsPath = b.statsPath;
    presenceSnapshot = b.presenceSnapshot;
    bus = b.bus;
  }

  /** {@return who opens connections; default {@link Authenticator#ANONYMOUS}} */
  public Authenticator authenticator() {
    return authenticator;
  }

  /** {@return the streaming connections one client address may hold, {@code >= 0}; {@code 0}: unlimited} */
  public int maxConnectionsPerAddress() {
    return maxConnectionsPerAddress;
  }

  /** {@return the new streaming connections admitted per second, {@code >= 0}; {@code 0}: unlimited} */
  public int connectionRate() {
    return connectionRate;
  }

  /** {@return the admissions allowed at once, {@code > 0}, before {@link #connectionRate()} applies} */
  public int connectionBurst() {
    return connectionBurst;
  }

  /**
   * {@return the refill, per minute, of each client address's allowance of failed authentications, {@code >= 0};
   * {@code 0}: not limited} See {@link LivePushServer.Builder#authenticationFailureRate}.
   */
  public int authFailureRate() {
    return authFailureRate;
  }

  /** {@return the failed authentications an address may make at once, {@code > 0}} See {@link #authFailureRate()}. */
  public int authFailureBurst() {
    return authFailureBurst;
  }

  /**
   * {@return the host names ({@code host}, any port) and authorities ({@code host:port}), lower case, the server
   * answers for, as an unmodifiable set; empty: any (the default)} See {@link LivePushServer.Builder#allowedHosts}.
   */
  public java.util.Set<String> allowedHosts() {
    return allowedHosts;
  }

  /** {@return the time a client has to send a complete request head; zero: no limit} */
  public Duration requestHeaderTimeout() {
    return requestHeaderTimeout;
  }

  /**
   * {@return the slow-consumer policy of each topic's subscriptions, asked on an event loop when a subscription
   * starts}
   */
  public Function<String, SlowConsumerPolicy> slowConsumerPolicy() {
    return slowConsumerPolicy;
  }

  /** {@return the window over which shutdown spreads its disconnects, {@code >= 0}} */
  public Duration shutdownDrain() {
    return shutdownDrain;
  }

  /** {@return the largest number of connections one event loop closes at once during shutdown, {@code > 0}} */
  public int shutdownBatchSize() {
    return shutdownBatchSize;
  }

  /** {@return whether connections are served over TLS (https, wss), see {@code LivePushServer.Builder.tls}} */
  public boolean tls() {
    return tls != null;
  }

  /**
   * {@return the TLS engine serving connections: {@code "OpenSSL"} (netty-tcnative on the class path, PEM or
   * key-manager key material) or {@code "JDK"}; {@code null} without TLS}
   */
  public String tlsProvider() {
    return tls == null ? null : tls.provider();
  }

  /** The internal TLS settings (package-private: Netty's {@code SslContext} stays out of the public API). */
  ServerTls serverTls() {
    return tls;
  }

  /**
   * Whether HTTP/2 is served on the port besides HTTP/1.1 (h2c, and h2 by ALPN with TLS).
   *
   * @return {@code true} by default
   */
  public boolean http2() {
    return http2;
  }

  /**
   * Concurrent streams one HTTP/2 connection may have ({@code SETTINGS_MAX_CONCURRENT_STREAMS}).
   *
   * @return at least 1
   */
  public int http2MaxConcurrentStreams() {
    return http2MaxConcurrentStreams;
  }

  /** {@return the predicate selecting the topics whose followers {@link Presence} tracks} */
  public Predicate<String> presenceTopics() {
    return presenceTopics;
  }

  /** {@return how long a member whose last connection left stays listed, {@code >= 0}} */
  public Duration presenceGrace() {
    return presenceGrace;
  }

  /** {@return the function giving the public metadata presence shows for a principal} */
  public Function<Principal, Map<String, Object>> presenceMetadata() {
    return presenceMetadata;
  }

  /** {@return the path the stats JSON is served on, or {@code null} when it is not served} */
  public String statsPath() {
    return statsPath;
  }

  /** {@return the address the server binds; default {@value #DEFAULT_HOST}} */
  public String host() {
    return host;
  }

  /**
   * {@return the configured port, {@code 0..65535}; {@code 0} means any free port (read it with
   * {@link LivePushServer#port()})}
   */
  public int port() {
    return port;
  }

  /** {@return the number of event-loop threads, {@code >= 0}; {@code 0} means Netty's default (twice the cores)} */
  public int ioThreads() {
    return ioThreads;
  }

  /** {@return whether a native transport (epoll, or io_uring when asked for) is used where available} */
  public boolean nativeTransport() {
    return ioTransport != IoTransport.NIO;
  }

  /**
   * {@return the socket I/O asked for (default {@link IoTransport#AUTO}); what runs, after fallbacks, is
   * {@link LivePushServer#ioTransportInUse()}}
   */
  public IoTransport ioTransport() {
    return ioTransport;
  }

  /** {@return the heartbeat interval on an idle connection, {@code > 0}} */
  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  /** {@return how long a peer that answers heartbeats may stay silent after one, {@code > 0}} */
  public Duration heartbeatTimeout() {
    return heartbeatTimeout;
  }

  /** {@return the maximum number of streaming connections over all transports, {@code > 0}} */
  public int maxConnections() {
    return maxConnections;
  }

  /** {@return the maximum number of topics one connection may follow, {@code > 0}} */
  public int maxTopicsPerConnection() {
    return maxTopicsPerConnection;
  }

  /** {@return the largest event payload in bytes, {@code > 0}} */
  public int maxEventBytes() {
    return maxEventBytes;
  }

  /** {@return the largest request body in bytes, {@code > 0}; larger requests get 413} */
  public int maxRequestBytes() {
    return maxRequestBytes;
  }

  /** {@return the largest request line in bytes, {@code > 0}; longer ones get 414} */
  public int maxInitialLineBytes() {
    return maxInitialLineBytes;
  }

  /** {@return the largest request header block in bytes, {@code > 0}; larger ones get 431} */
  public int maxHeaderBytes() {
    return maxHeaderBytes;
  }

  /** {@return the outbound bytes a connection may queue before it counts as a slow consumer, {@code > 0}} */
  public int maxPendingOutboundBytes() {
    return maxPendingOutboundBytes;
  }

  /** The reconnect delay suggested to clients (SSE {@code retry:}, {@code Retry-After}). */
  /**
   * {@return whether open connections keep their request headers} See
   * {@link LivePushServer.Builder#retainRequestHeaders}.
   */
  public boolean retainRequestHeaders() {
    return retainRequestHeaders;
  }

  /** {@return the reconnect delay suggested to clients (SSE {@code retry:}, {@code Retry-After}), {@code > 0}} */
  public Duration retry() {
    return retry;
  }

  /** {@return the replay log's bounds} */
  public ReplayConfig replay() {
    return replay;
  }

  /** {@return the mapper that serialises {@link Event#json(Object)} payloads and livepush's own JSON} */
  public ObjectMapper objectMapper() {
    return objectMapper;
  }

  /** {@return the transports, unmodifiable, in the order requests are offered to them} */
  public List<Transport> transports() {
    return transports;
  }

  /** {@return the connection listeners, unmodifiable, in the order added} */
  public List<ConnectionListener> connectionListeners() {
    return connectionListeners;
  }

  /** {@return the plain HTTP services, unmodifiable, in the order they are asked} */
  public List<HttpService> httpServices() {
    return httpServices;
  }

  /** {@return the HTTP services behind the authenticator, unmodifiable, asked after {@link #httpServices()}} */
  public List<HttpService> authenticatedHttpServices() {
    return authenticatedHttpServices;
  }

  /** {@return whether subscribers of presence-enabled topics get a member snapshot; default {@code false}} */
  public boolean presenceSnapshot() {
    return presenceSnapshot;
  }

  /**
   * {@return the executor for callbacks that may block, or {@code null} for the server's default} See
   * {@link LivePushServer.Builder#blockingExecutor}.
   */
  public java.util.concurrent.Executor blockingExecutor() {
    return blockingExecutor;
  }

  /** {@return who may follow which topic; default {@link TopicAuthorizer#ALLOW_ALL}} */
  public TopicAuthorizer topicAuthorizer() {
    return topicAuthorizer;
  }

  @Override
  public String toString() {
    return "LivePushConfig{host=" + host + ", port=" + port + ", ioThreads=" + ioThreads + ", ioTransport="
        + ioTransport.label() + ", heartbeatInterval=" + heartbeatInterval + ", heartbeatTimeout=" + heartbeatTimeout
        + ", maxConnections=" + maxConnections + ", maxTopicsPerConnection=" + maxTopicsPerConnection
        + ", maxEventBytes=" + maxEventBytes + ", maxRequestBytes=" + maxRequestBytes + ", maxInitialLineBytes="
        + maxInitialLineBytes + ", maxHeaderBytes=" + maxHeaderBytes + ", maxPendingOutboundBytes="
        + maxPendingOutboundBytes + ", maxConnectionsPerAddress=" + maxConnectionsPerAddress
        + ", connectionRate=" + connectionRate + ", connectionBurst=" + connectionBurst
        + ", requestHeaderTimeout=" + requestHeaderTimeout + ", shutdownDrain=" + shutdownDrain
        + ", shutdownBatchSize=" + shutdownBatchSize + ", tls=" + (tls == null ? "off" : tls.provider())
        + ", http2=" + http2
        + ", http2MaxConcurrentStreams=" + http2MaxConcurrentStreams
        + ", presenceGrace=" + presenceGrace + ", statsPath=" + statsPath + ", retry=" + retry + ", replay=" + replay + ", transports="
        + transports.stream().map(Transport::name).toList() + '}';
  }

  /** {@return the cluster bus, or {@code null}: a single node with its in-memory log (the default)} */
  public EventBus bus() {
    return bus;
  }
}
