package io.livepush.spring.boot;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The {@code livepush.*} configuration properties, bound once at startup and applied to
 * {@code LivePushServer.Builder} (and the SSE / WebSocket transport builders) by {@link LivePushAutoConfiguration}.
 * Defaults are the core's (checked by a test), except {@code livepush.port}: 8081, because a Spring web
 * application's own server takes 8080. Immutable; sizes are {@link DataSize} ({@code 64KB}), times
 * {@link Duration} ({@code 15s}). What properties cannot express (authenticators, HTTP services, handlers) goes in
 * {@link LivePushServerCustomizer} beans. The table of every property is in {@code docs/spring-boot.md}.
 *
 * @param enabled whether to start a livepush server at all
 * @param port TCP port livepush listens on, next to the application's server.port; 0 picks a free port
 *     (read it back from the local.livepush.port property or LivePushServer.port())
 * @param host address to bind: 0.0.0.0 for every IPv4 interface, 127.0.0.1 for this machine only
 * @param ioThreads Netty event-loop threads; 0 for Netty's default (twice the cores)
 * @param nativeTransport whether to use epoll where available (NIO otherwise)
 * @param allowedOrigins browser origins (scheme://host[:port]) allowed to read SSE streams cross-origin (CORS) and
 *     to open WebSocket connections; a page served by the application's own port is cross-origin to livepush's.
 *     "*" allows any origin (then no credentials). Default: none, so SSE is same-origin only and WebSocket
 *     requires the Origin to match the Host
 * @param allowedHosts target hosts (name or host:port) served; others get 421. Default: every host
 * @param statsPath path serving the server's stats as JSON (GET); unset: not served
 * @param sse the server-sent events transport
 * @param websocket the WebSocket transport
 * @param longpoll the long-polling transport, served when it has a path
 * @param limits connection and size limits
 * @param heartbeat heartbeats and idle detection
 * @param replay bounds of the replay log (retention)
 * @param shutdown graceful shutdown
 * @param tls HTTPS / WSS
 * @param redis the Redis cluster bus, used when livepush-redis is on the class path and a URI is set
 * @param security the Spring Security bridge, used when the application has a JwtDecoder bean
 */
@ConfigurationProperties("livepush")
public record LivePushProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("8081") int port,
    @DefaultValue("0.0.0.0") String host,
    @DefaultValue("0") int ioThreads,
    @DefaultValue("true") boolean nativeTransport,
    List<String> allowedOrigins,
    List<String> allowedHosts,
    String statsPath,
    @DefaultValue Sse sse,
    @DefaultValue WebSocket websocket,
    @DefaultValue LongPoll longpoll,
    @DefaultValue Limits limits,
    @DefaultValue Heartbeat heartbeat,
    @DefaultValue Replay replay,
    @DefaultValue Shutdown shutdown,
    @DefaultValue Tls tls,
    @DefaultValue Redis redis,
    @DefaultValue Security security) {

  /**
   * Normalises absent lists to empty, unmodifiable ones; every other component is kept as bound (see the class
   * comment for each).
   *
   * @param enabled whether to start a livepush server at all
   * @param port the TCP port, 0 for a free one
   * @param host the address to bind
   * @param ioThreads event-loop threads, 0 for Netty's default
   * @param nativeTransport whether to use epoll where available
   * @param allowedOrigins browser origins for CORS and the WebSocket {@code Origin} check; {@code null} becomes empty
   *     (none)
   * @param allowedHosts target hosts served; {@code null} becomes empty (every host)
   * @param statsPath the stats path, or {@code null} for none
   * @param sse the SSE transport's properties
   * @param websocket the WebSocket transport's properties
   * @param longpoll the long-polling transport's properties
   * @param limits connection and size limits
   * @param heartbeat heartbeat properties
   * @param replay replay log bounds
   * @param shutdown graceful shutdown properties
   * @param tls HTTPS / WSS properties
   * @param redis the Redis bus properties
   * @param security the Spring Security bridge properties
   */
  public LivePushProperties {
    allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
    allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
  }

  /**
   * The SSE transport ({@code text/event-stream}, WHATWG HTML §9.2). It is added when it has a route, a
   * multi-topic path, or an {@link SseTransportCustomizer} bean.
   *
   * @param enabled whether to serve SSE
   * @param routes paths that follow topics, for example path=/live/{match}, topic=match:{match}
   * @param multiTopicPath path serving several topics named in the query (?topic=a&amp;topic=b)
   * @param allowCredentials whether cross-origin streams may carry cookies (only with exact allowed origins)
   * @param retry reconnect delay suggested to clients (SSE retry: field and Retry-After)
   */
  public record Sse(
      @DefaultValue("true") boolean enabled,
      List<Route> routes,
      String multiTopicPath,
      @DefaultValue("false") boolean allowCredentials,
      @DefaultValue("3s") Duration retry) {
    /**
     * Normalises an absent route list to an empty, unmodifiable one.
     *
     * @param enabled whether to serve SSE
     * @param routes the routes; {@code null} becomes empty
     * @param multiTopicPath the multi-topic path, or {@code null} for none
     * @param allowCredentials whether cross-origin streams may carry cookies
     * @param retry the reconnect delay suggested to clients
     */
    public Sse {
      routes = routes == null ? List.of() : List.copyOf(routes);
    }
  }

  /**
   * One SSE route: {@code GET path} follows {@code topic}, with the path's {@code {variables}} substituted;
   * {@code {principal}} in the topic stands for the authenticated principal's name.
   *
   * @param path path template, for example /live/{match}
   * @param topic topic template, for example match:{match}
   */
  public record Route(String path, String topic) {}

  /**
   * The WebSocket transport (RFC 6455, subprotocol {@code livepush.v1}).
   *
   * @param enabled whether to serve WebSocket
   * @param paths endpoint paths; default /ws
   * @param maxFrameSize largest frame payload; larger closes with 1009
   * @param maxMessageSize largest message after reassembly; larger closes with 1009
   * @param handshakeTimeout time the upgrade may take once the request is read
   * @param permessageDeflateMaxSize enables permessage-deflate (RFC 7692) for client messages, inflating at most
   *     this much per message; unset: off
   * @param maxPendingMessages client messages per connection that may wait for the handler; one more closes
   *     with 1008
   */
  public record WebSocket(
      @DefaultValue("true") boolean enabled,
      List<String> paths,
      @DefaultValue("64KB") DataSize maxFrameSize,
      @DefaultValue("64KB") DataSize maxMessageSize,
      @DefaultValue("10s") Duration handshakeTimeout,
      DataSize permessageDeflateMaxSize,
      @DefaultValue("64") int maxPendingMessages) {
    /**
     * Normalises an absent path list to an empty, unmodifiable one (the transport then serves its default, /ws).
     *
     * @param enabled whether to serve WebSocket
     * @param paths the endpoint paths; {@code null} becomes empty
     * @param maxFrameSize the largest frame payload
     * @param maxMessageSize the largest message after reassembly
     * @param handshakeTimeout the time the upgrade may take once the request is read
     * @param permessageDeflateMaxSize the inflate limit per message, or {@code null} for permessage-deflate off
     * @param maxPendingMessages client messages per connection that may wait for the handler
     */
    public WebSocket {
      paths = paths == null ? List.of() : List.copyOf(paths);
    }
  }

  /**
   * The long-polling transport (livepush-longpoll; docs/protocol.md, "Long-polling"), for clients behind proxies
   * that buffer streams or block upgrades. It is added when {@code path} is set; CORS follows
   * {@code livepush.allowed-origins}.
   *
   * @param path the poll path, for example /poll; unset: no long-polling
   * @param timeout how long a poll with nothing new is held before it is answered empty
   * @param maxPolls polls held at once; one more gets 503 with Retry-After
   * @param maxBatchEvents most log entries in one answer
   * @param maxBatchSize most event bytes in one answer
   * @param allowCredentials whether cross-origin polls may carry cookies (only with exact allowed origins)
   */
  public record LongPoll(
      String path,
      @DefaultValue("25s") Duration timeout,
      @DefaultValue("10000") int maxPolls,
      @DefaultValue("1000") int maxBatchEvents,
      @DefaultValue("256KB") DataSize maxBatchSize,
      @DefaultValue("false") boolean allowCredentials) {}

  /**
   * Connection and size limits (docs/operations.md, "Bounds").
   *
   * @param maxConnections streaming connections the server holds; beyond, 503 / close 1013
   * @param maxConnectionsPerAddress streaming connections per client IP address; 0 = unlimited (behind a proxy
   *     every client has the proxy's address)
   * @param maxTopicsPerConnection topics one connection may follow
   * @param connectionRate new streaming connections admitted per second; 0 disables the admission rate
   * @param connectionBurst admission burst (token bucket size)
   * @param authFailureRate failed authentications per minute and client address before 429; 0 disables
   * @param authFailureBurst failed authentications allowed at once per client address
   * @param maxPendingOutbound outbound bytes a connection may have queued before it counts as a slow consumer
   * @param maxEventSize largest event payload accepted by publish
   * @param maxRequestSize largest request body (413 beyond)
   * @param maxInitialLineSize largest request line (414 beyond)
   * @param maxHeaderSize largest request header block (431 beyond)
   * @param requestHeaderTimeout time a client has to send a complete request head (408 after); 0 disables
   */
  public record Limits(
      @DefaultValue("20000") int maxConnections,
      @DefaultValue("0") int maxConnectionsPerAddress,
      @DefaultValue("64") int maxTopicsPerConnection,
      @DefaultValue("5000") int connectionRate,
      @DefaultValue("5000") int connectionBurst,
      @DefaultValue("30") int authFailureRate,
      @DefaultValue("20") int authFailureBurst,
      @DefaultValue("256KB") DataSize maxPendingOutbound,
      @DefaultValue("1MB") DataSize maxEventSize,
      @DefaultValue("64KB") DataSize maxRequestSize,
      @DefaultValue("4096B") DataSize maxInitialLineSize,
      @DefaultValue("8KB") DataSize maxHeaderSize,
      @DefaultValue("10s") Duration requestHeaderTimeout) {}

  /**
   * Heartbeats: one sweep per event loop.
   *
   * @param interval SSE comment / WebSocket ping after this long without output
   * @param timeout how long a peer that answers heartbeats may stay silent after one
   */
  public record Heartbeat(
      @DefaultValue("15s") Duration interval,
      @DefaultValue("10s") Duration timeout) {}

  /**
   * Bounds of the replay log; a resume from before what is retained gets a {@code reset} (too-old).
   *
   * @param maxEventsPerTopic events retained per topic
   * @param maxSizePerTopic payload bytes retained per topic
   * @param maxTotalSize payload bytes retained over all topics
   * @param maxAge oldest event retained
   */
  public record Replay(
      @DefaultValue("1000") int maxEventsPerTopic,
      @DefaultValue("1MB") DataSize maxSizePerTopic,
      @DefaultValue("64MB") DataSize maxTotalSize,
      @DefaultValue("5m") Duration maxAge) {}

  /**
   * Graceful shutdown (livepush stops after the application's web server, see {@link LivePushLifecycle}).
   *
   * @param drain window over which open connections are closed; 0 closes them at once
   * @param batchSize largest number of connections one event loop closes at once
   */
  public record Shutdown(
      @DefaultValue("3s") Duration drain,
      @DefaultValue("100") int batchSize) {}

  /**
   * TLS on livepush's port (or terminate it at the proxy).
   *
   * @param certificate PEM certificate chain file
   * @param privateKey PEM PKCS#8 private key file (unencrypted)
   * @param selfSigned serve a fresh self-signed localhost certificate (development only)
   */
  public record Tls(String certificate, String privateKey, @DefaultValue("false") boolean selfSigned) {}

  /**
   * The Redis Streams cluster bus (livepush-redis): nodes with the same URI and key prefix share one log.
   *
   * @param uri Redis URI (redis://host:6379, rediss://..., redis-sentinel://...); unset: no bus
   * @param keyPrefix key prefix and hash tag: the livepush cluster's "channel"
   * @param cluster whether the URI is a seed node of a Redis Cluster
   * @param maxStreamLength approximate bound on the Redis stream (XADD MAXLEN ~), in events
   * @param commandTimeout timeout of one Redis command and of connecting
   */
  public record Redis(
      String uri,
      @DefaultValue("livepush") String keyPrefix,
      @DefaultValue("false") boolean cluster,
      @DefaultValue("100000") long maxStreamLength,
      @DefaultValue("2s") Duration commandTimeout) {}

  /**
   * The Spring Security bridge: with a JwtDecoder bean, connections authenticate with
   * {@code Authorization: Bearer <jwt>} (RFC 6750 §2.1).
   *
   * @param enabled whether to authenticate livepush connections with the application's JwtDecoder
   * @param allowAnonymous whether a request without a token is let in as the anonymous principal (a bad token
   *     is still refused)
   * @param queryParameter also accept the token in this query parameter (RFC 6750 §2.3, for browsers'
   *     EventSource and WebSocket, which cannot send headers); unset: header only. Use short-lived tokens:
   *     URLs end up in logs
   */
  public record Security(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("false") boolean allowAnonymous,
      String queryParameter) {}
}
