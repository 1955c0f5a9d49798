package io.livepush.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.client.internal.Urls;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * The validated, immutable settings of a {@link LivePushClient}, built by {@link LivePushClient.Builder}; see each
 * builder method for the meaning, default and bound of a value. Safe to read from any thread.
 */
public final class ClientConfig {
  /** Default {@link LivePushClient.Builder#minDelay}: 500 ms, as livepush.js. */
  public static final Duration DEFAULT_MIN_DELAY = Duration.ofMillis(500);
  /** Default {@link LivePushClient.Builder#maxDelay}: 30 s, as livepush.js. */
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(30);
  /** Default {@link LivePushClient.Builder#heartbeatTimeout}: 45 s, three times livepush's 15 s heartbeat. */
  public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(45);
  /** Default {@link LivePushClient.Builder#connectTimeout}: 10 s. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** Default {@link LivePushClient.Builder#maxEventBytes}: 1 MiB, livepush's own default event bound. */
  public static final int DEFAULT_MAX_EVENT_BYTES = 1 << 20;
  /** Default {@link LivePushClient.Builder#maxBufferedEvents}: 1024. */
  public static final int DEFAULT_MAX_BUFFERED_EVENTS = 1024;
  /** Default {@link LivePushClient.Builder#maxReconnectAttempts}: unlimited. */
  public static final int DEFAULT_MAX_RECONNECT_ATTEMPTS = Integer.MAX_VALUE;

  private final URI sseUri;
  private final URI webSocketUri;
  private final URI longPollUri;
  private final ClientTransport transport;
  private final List<String> topics;
  private final String from;
  private final java.time.Instant since;
  private final Map<String, String> headers;
  private final Supplier<String> authorization;
  private final String ticketParameter;
  private final Supplier<String> ticket;
  private final Duration minDelay;
  private final Duration maxDelay;
  private final int maxReconnectAttempts;
  private final Duration heartbeatTimeout;
  private final Duration connectTimeout;
  private final int maxEventBytes;
  private final int maxBufferedEvents;
  private final ObjectMapper objectMapper;
  private final HttpClient httpClient;
  private final DoubleSupplier random;

  ClientConfig(LivePushClient.Builder b) {
    this.sseUri = b.sseUri;
    this.webSocketUri = b.webSocketUri;
    this.longPollUri = b.longPollUri;
    this.transport = b.transport;
    this.topics = List.copyOf(b.topics);
    this.from = b.from;
    this.since = b.since;
    this.headers = Map.copyOf(b.headers);
    this.authorization = b.authorization;
    this.ticketParameter = b.ticketParameter;
    this.ticket = b.ticket;
    this.minDelay = b.minDelay;
    this.maxDelay = b.maxDelay;
    this.maxReconnectAttempts = b.maxReconnectAttempts;
    this.heartbeatTimeout = b.heartbeatTimeout;
    this.connectTimeout = b.connectTimeout;
    this.maxEventBytes = b.maxEventBytes;
    this.maxBufferedEvents = b.maxBufferedEvents;
    this.objectMapper = b.objectMapper != null ? b.objectMapper : new ObjectMapper();
    this.httpClient = b.httpClient;
    this.random = b.random;
  }

  /** {@return the SSE stream URL, or {@code null} when SSE is not configured} */
  public URI sseUri() {
    return sseUri;
  }

  /** {@return the WebSocket URL ({@code ws:} or {@code wss:}), or {@code null} when WebSocket is not configured} */
  public URI webSocketUri() {
    return webSocketUri;
  }

  /** {@return the long-poll URL, or {@code null} when long-polling is not configured} */
  public URI longPollUri() {
    return longPollUri;
  }

  /**
   * {@return the URL of {@code transport}, or {@code null} when it is not configured}
   *
   * @param transport the transport
   */
  public URI uri(ClientTransport transport) {
    return switch (transport) {
      case SSE -> sseUri;
      case WEBSOCKET -> webSocketUri;
      case LONG_POLLING -> longPollUri;
    };
  }

  /** {@return the transport the client starts on} */
  public ClientTransport transport() {
    return transport;
  }

  /** {@return the topics followed, in the order given; may be empty for an SSE URL that names its topics itself} */
  public List<String> topics() {
    return topics;
  }

  /** {@return the position to start from, or {@code null} to start live} */
  public String from() {
    return from;
  }

  /**
   * {@return the time to start from when there is no position ({@link #from()} is {@code null}), or
   * {@code null}: sent only until the client has a position (SSE and long-polling {@code since=}, WebSocket
   * {@code "from"}), see docs/protocol.md "Resume by time"}
   */
  public java.time.Instant since() {
    return since;
  }

  /** {@return headers sent with every request or handshake} */
  public Map<String, String> headers() {
    return headers;
  }

  /** {@return supplies the {@code Authorization} header for each connection attempt, or {@code null}} */
  public Supplier<String> authorization() {
    return authorization;
  }

  /** {@return the query parameter carrying a ticket, or {@code null}} */
  public String ticketParameter() {
    return ticketParameter;
  }

  /** {@return supplies a fresh ticket for each connection attempt, or {@code null}} */
  public Supplier<String> ticket() {
    return ticket;
  }

  /** {@return the first backoff ceiling} */
  public Duration minDelay() {
    return minDelay;
  }

  /** {@return the largest backoff ceiling} */
  public Duration maxDelay() {
    return maxDelay;
  }

  /** {@return consecutive failed reconnect attempts before giving up} */
  public int maxReconnectAttempts() {
    return maxReconnectAttempts;
  }

  /** {@return silence after which a connection is dropped and resumed; {@link Duration#ZERO} when disabled} */
  public Duration heartbeatTimeout() {
    return heartbeatTimeout;
  }

  /** {@return TCP (and TLS) connect timeout, and the WebSocket handshake timeout} */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** {@return the largest event, in bytes} */
  public int maxEventBytes() {
    return maxEventBytes;
  }

  /** {@return events read but not yet delivered, at most} */
  public int maxBufferedEvents() {
    return maxBufferedEvents;
  }

  /** {@return the mapper of {@link PushEvent#as(Class)} and of livepush.v1 messages} */
  public ObjectMapper objectMapper() {
    return objectMapper;
  }

  /** {@return the caller's {@link HttpClient}, or {@code null} for one the client creates} */
  public HttpClient httpClient() {
    return httpClient;
  }

  /** {@return the source of backoff jitter, uniform in {@code [0, 1)}} */
  public DoubleSupplier random() {
    return random;
  }

  @Override
  public String toString() {
    return "ClientConfig{sseUri=" + Urls.redact(sseUri) + ", webSocketUri=" + Urls.redact(webSocketUri)
        + ", longPollUri=" + Urls.redact(longPollUri) + ", transport="
        + transport + ", topics=" + topics + ", from=" + from + ", since=" + since + ", headers=" + headers.keySet()
        + ", authorization=" + (authorization != null) + ", ticketParameter=" + ticketParameter + ", minDelay="
        + minDelay + ", maxDelay=" + maxDelay + ", maxReconnectAttempts=" + maxReconnectAttempts
        + ", heartbeatTimeout=" + heartbeatTimeout + ", connectTimeout=" + connectTimeout + ", maxEventBytes="
        + maxEventBytes + ", maxBufferedEvents=" + maxBufferedEvents + '}';
  }
}
