package io.livepush.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.client.internal.ClientEngine;
import io.livepush.client.internal.HeaderValues;
import io.livepush.client.internal.Urls;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * Follows livepush topics over SSE or WebSocket with livepush.js's guarantees.
 *
 * <pre>{@code
 * LivePushClient client = LivePushClient.builder()
 *     .sse(URI.create("https://push.example/api/live"))      // topics go in ?topic=
 *     .topics("match:1", "match:2")
 *     .listener(new LivePushListener() {
 *       public void onEvent(PushEvent e) { render(e.as(Score.class)); }
 *       public void onReset(Reset r) { reloadSnapshot(r.topic()); }
 *     })
 *     .build();
 * client.start().join();
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Resume.</b> After any drop (network error, end of stream, a {@code 5xx}, a silent connection) the client
 *       reconnects from the last position it read: SSE {@code Last-Event-ID} (the stream's last event ID of
 *       WHATWG HTML §9.2.6, which livepush also moves at the end of a replay), WebSocket {@code "from"} (ids of
 *       {@code event} and {@code subscribed}). One position covers every topic of the connection, because
 *       livepush sends a connection's events in log order (docs/protocol.md). Nothing is lost or repeated.
 *   <li><b>Backoff.</b> The wait before attempt {@code n} (from 0) is uniform in
 *       {@code [0, min(maxDelay, base × 2^n))} ("full jitter"), where {@code base} is the server's SSE
 *       {@code retry:} when it sent one, else {@link Builder#minDelay}. After a {@code Retry-After} (RFC 9110
 *       §10.2.3) the wait is that (capped at {@code maxDelay}) plus the jitter. The count restarts once a
 *       connection opens.
 *   <li><b>Reset.</b> When the server cannot replay a topic it says so; the client delivers a {@link Reset} in
 *       stream order and goes on with live events.
 *   <li><b>Heartbeats.</b> A connection silent for {@link Builder#heartbeatTimeout} while the client is reading
 *       is dropped and resumed. livepush sends a heartbeat every 15 s (SSE comment, WebSocket ping, answered by
 *       the JDK).
 *   <li><b>Demand.</b> Nothing is dropped on the client: it reads only while fewer than
 *       {@link Builder#maxBufferedEvents} events wait for the consumer. A slow listener or a
 *       {@link Flow.Subscriber} without demand stops the reading (the JDK's body subscription or
 *       {@code WebSocket.request(n)} follow demand), so the server's flow control takes over.
 * </ul>
 *
 * <h2>Threads</h2>
 * Each client owns one daemon thread ({@code livepush-client-<n>}) that parses, keeps the state and calls the
 * listener or subscriber; the {@link HttpClient}'s threads only hand data over to it. Every public method is
 * thread-safe and non-blocking; the futures returned complete on the client's thread (do not block in their
 * callbacks).
 *
 * <h2>Positions</h2>
 * {@link #position()} is the position after the last item handed to the consumer: store it and pass it to
 * {@link Builder#from(String)} to continue after a restart. Items read but not yet delivered are discarded by
 * {@link #close()}; the position does not cover them.
 */
public final class LivePushClient implements AutoCloseable {
  private final ClientConfig config;
  private final ClientEngine engine;

  private LivePushClient(ClientConfig config, LivePushListener listener, List<StateListener> stateListeners) {
    this.config = config;
    this.engine = new ClientEngine(config, stateListeners);
    if (listener != null) {
      engine.subscribe(new ListenerSubscriber(listener));
    }
  }

  /** {@return a builder with the defaults of {@link ClientConfig}} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the settings this client was built with} */
  public ClientConfig config() {
    return config;
  }

  /**
   * Opens the first connection. Idempotent.
   *
   * @return completes when the client is first {@link ClientState#OPEN}; fails with the terminal cause when the
   *     client stops before that (for example an {@link UnexpectedResponseException} for a {@code 404}, or a
   *     {@link ReconnectsExhaustedException}); completing it does not affect the client
   */
  public CompletableFuture<LivePushClient> start() {
    return engine.start().thenApply(v -> this);
  }

  /**
   * The items of this client as a {@link Flow.Publisher} that accepts one subscriber (a second one, or any when a
   * {@link Builder#listener} was set, gets {@code onError(IllegalStateException)}). Items are read only as the
   * subscriber requests them (plus up to {@link Builder#maxBufferedEvents} ahead); subscribe before
   * {@link #start()} to see everything. {@code onComplete} follows {@link #close()}, {@code onError} a terminal
   * failure (after the items already read, as demand allows). Cancelling the subscription closes the client.
   * Signals run on the client's thread.
   *
   * @return the publisher of this client's items
   */
  public Flow.Publisher<StreamItem> events() {
    return engine::subscribe;
  }

  /** {@return the position after the last item delivered to the consumer, or {@code null} before any} */
  public String position() {
    return engine.deliveredPosition();
  }

  /** {@return the current state} */
  public ClientState state() {
    return engine.state();
  }

  /** {@return the transport in use (or next to be used)} */
  public ClientTransport transport() {
    return engine.transport();
  }

  /** {@return events read and waiting for the consumer, at most {@link Builder#maxBufferedEvents}} */
  public int bufferedEvents() {
    return engine.buffered();
  }

  /** {@return connections that reached {@link ClientState#OPEN} so far} */
  public long connectionsOpened() {
    return engine.connectionsOpened();
  }

  /**
   * Closes the current connection and goes on with {@code transport} from the same position (the position read
   * from the wire, so items waiting for the consumer are neither lost nor repeated).
   *
   * @return completes when the switch has been made: the state is {@link ClientState#CONNECTING} and the new
   *     connection is being opened
   * @throws IllegalArgumentException when no URL is configured for {@code transport}
   * @param transport the transport
   */
  public CompletableFuture<Void> switchTransport(ClientTransport transport) {
    Objects.requireNonNull(transport, "transport");
    if (config.uri(transport) == null) {
      throw new IllegalArgumentException("transport " + transport + " has no URL (set it on the builder)");
    }
    return engine.switchTransport(transport);
  }

  /**
   * Stops for good: closes the connection (WebSocket close 1000), discards undelivered items, calls
   * {@link LivePushListener#onClosed}{@code (null)} or the subscriber's {@code onComplete}, and stops the client's
   * thread. Idempotent; returns at once.
   *
   * @return {@link #whenClosed()}
   */
  public CompletableFuture<Void> closeAsync() {
    engine.close(null);
    return whenClosed();
  }

  /** {@link #closeAsync()} without waiting. */
  @Override
  public void close() {
    engine.close(null);
  }

  /** {@return completes once the client is {@link ClientState#CLOSED} (after a close or a terminal failure)} */
  public CompletableFuture<Void> whenClosed() {
    return engine.whenClosed();
  }

  @Override
  public String toString() {
    return "LivePushClient{" + engine.transport() + ", " + engine.state() + ", position=" + position() + '}';
  }

  /** Adapts a listener to the engine's one subscriber: unbounded demand, pacing by the listener's own speed. */
  private static final class ListenerSubscriber implements Flow.Subscriber<StreamItem> {
    private final LivePushListener listener;

    ListenerSubscriber(LivePushListener listener) {
      this.listener = listener;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(StreamItem item) {
      if (item instanceof PushEvent e) {
        listener.onEvent(e);
      } else {
        listener.onReset((Reset) item);
      }
    }

    @Override
    public void onError(Throwable throwable) {
      listener.onClosed(throwable);
    }

    @Override
    public void onComplete() {
      listener.onClosed(null);
    }
  }

  /**
   * Collects and validates settings; {@link #build()} checks the combination. Not thread-safe. Time values must be
   * positive unless said otherwise; every check throws {@link IllegalArgumentException} (or
   * {@link NullPointerException} for {@code null}) naming the setting.
   */
  public static final class Builder {
    URI sseUri;
    URI webSocketUri;
    URI longPollUri;
    ClientTransport transport;
    final List<String> topics = new ArrayList<>();
    String from;
    java.time.Instant since;
    final Map<String, String> headers = new LinkedHashMap<>();
    Supplier<String> authorization;
    String ticketParameter;
    Supplier<String> ticket;
    Duration minDelay = ClientConfig.DEFAULT_MIN_DELAY;
    Duration maxDelay = ClientConfig.DEFAULT_MAX_DELAY;
    int maxReconnectAttempts = ClientConfig.DEFAULT_MAX_RECONNECT_ATTEMPTS;
    Duration heartbeatTimeout = ClientConfig.DEFAULT_HEARTBEAT_TIMEOUT;
    Duration connectTimeout = ClientConfig.DEFAULT_CONNECT_TIMEOUT;
    int maxEventBytes = ClientConfig.DEFAULT_MAX_EVENT_BYTES;
    int maxBufferedEvents = ClientConfig.DEFAULT_MAX_BUFFERED_EVENTS;
    ObjectMapper objectMapper;
    HttpClient httpClient;
    DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
    LivePushListener listener;
    final List<StateListener> stateListeners = new ArrayList<>();

    private Builder() {}

    /**
     * The SSE stream ({@code http:} or {@code https:}), for example a livepush {@code multiTopicPath} such as
     * {@code /api/live} (the {@link #topics} are added as {@code topic} query parameters) or a route such as
     * {@code /api/match/42/live} (no topics needed). Any WHATWG {@code text/event-stream} server works.
     *
     * @param uri the URL
     * @return this builder
     */
    public Builder sse(URI uri) {
      this.sseUri = checkScheme("sse", uri, "http", "https");
      return this;
    }

    /**
     * The WebSocket endpoint ({@code ws:}/{@code wss:}; {@code http:}/{@code https:} are turned into them), for
     * example livepush's {@code /ws}. Needs {@link #topics}.
     *
     * @param uri the URL
     * @return this builder
     */
    public Builder webSocket(URI uri) {
      Objects.requireNonNull(uri, "webSocket");
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (scheme.equals("http") || scheme.equals("https")) {
        uri = URI.create((scheme.equals("https") ? "wss" : "ws") + uri.toString().substring(scheme.length()));
      }
      this.webSocketUri = checkScheme("webSocket", uri, "ws", "wss");
      return this;
    }

    /**
     * livepush's long-poll path ({@code http:} or {@code https:}), for example {@code /api/poll}; the
     * {@link #topics} and the position are added as query parameters. Keep {@link #heartbeatTimeout} above the
     * server's poll timeout (25 s by default), which bounds how long a poll waits for its answer.
     *
     * @param uri the URL
     * @return this builder
     */
    public Builder longPoll(URI uri) {
      this.longPollUri = checkScheme("longPoll", uri, "http", "https");
      return this;
    }

    /**
     * {@return the transport to start on; default SSE when {@link #sse} is set, else WebSocket when
     * {@link #webSocket} is, else long-polling}
     *
     * @param transport the transport
     */
    public Builder transport(ClientTransport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /**
     * Adds topics to follow: 1 to 200 characters of {@code A-Z a-z 0-9 - _ . : @ / + = ~} (livepush's topic
     * grammar). Duplicates are ignored.
     *
     * @param topics topic names
     * @return this builder
     */
    public Builder topics(String... topics) {
      return topics(Arrays.asList(topics));
    }

    /**
     * {@return like {@link #topics(String...)}}
     *
     * @param topics topic names
     */
    public Builder topics(Iterable<String> topics) {
      for (String t : Objects.requireNonNull(topics, "topics")) {
        checkTopic(t);
        if (!this.topics.contains(t)) {
          this.topics.add(t);
        }
      }
      return this;
    }

    /**
     * Starts after {@code position} (an id received earlier on either transport, or {@link LivePushClient#position()}
     * of a previous client) instead of live: the server replays what came after it, or says {@link Reset}. At most
     * 256 characters, no control characters. Default: none, start live.
     *
     * @param position an id received earlier; not {@code null} (leave {@code from} out when there is none)
     * @return this builder
     * @throws NullPointerException if {@code position} is {@code null}
     * @throws IllegalArgumentException if {@code position} is empty, longer than 256 characters or not printable
     *     ASCII
     */
    public Builder from(String position) {
      Objects.requireNonNull(position, "from");
      if (position.isEmpty() || position.length() > 256 || !HeaderValues.sendable(position)) {
        // Sent as Last-Event-ID on SSE, where java.net.http would send non-ASCII as '?'.
        throw new IllegalArgumentException("from: must be 1 to 256 printable ASCII characters");
      }
      this.from = position;
      return this;
    }

    /**
     * Starts with the events published at or after {@code time} (resume by time, docs/protocol.md "Resume by
     * time") when no {@link #from(String)} position is given: the server replays them, or says {@link Reset}
     * ({@code too-old}) for a topic whose events from that time may have left its log; a future time starts
     * live. Sent only until the client has a position: every reconnect resumes by id. A server whose log cannot
     * look up times refuses the request (SSE and long-polling: HTTP 400; WebSocket: a refused subscription).
     * Default: none.
     *
     * @param time the instant to start from, in the years 0000–9999 (RFC 3339)
     * @return this builder
     * @throws IllegalArgumentException if {@code time} is outside the years 0000–9999
     */
    public Builder since(java.time.Instant time) {
      Objects.requireNonNull(time, "since");
      if (time.isBefore(java.time.Instant.parse("0000-01-01T00:00:00Z"))
          || time.isAfter(java.time.Instant.parse("9999-12-31T23:59:59.999999999Z"))) {
        throw new IllegalArgumentException("since: must be within the years 0000-9999 (RFC 3339)");
      }
      this.since = time;
      return this;
    }

    /**
     * Adds a header to every request and handshake (an API key, a tenant). The name must be an RFC 9110 token
     * and not one the JDK sets itself; the value must not contain control characters.
     *
     * @param name the header name
     * @param value the header value, or its supplier
     * @return this builder
     */
    public Builder header(String name, String value) {
      Objects.requireNonNull(name, "header name");
      Objects.requireNonNull(value, "header value");
      if (name.isEmpty() || !name.chars().allMatch(Builder::isTokenChar)) {
        throw new IllegalArgumentException("header: name is not an RFC 9110 token");
      }
      if (!HeaderValues.sendable(value)) {
        // java.net.http refuses control characters and sends other non-ASCII characters as '?'.
        throw new IllegalArgumentException("header " + name + ": value must be printable ASCII");
      }
      headers.put(name, value);
      return this;
    }

    /**
     * Authenticates with an {@code Authorization} header whose value is asked for before each connection attempt
     * (so a refreshed token is used on reconnect). The supplier runs on the client's thread and may block briefly;
     * when it throws, the attempt fails and is retried after the backoff.
     *
     * @param value the header value, or its supplier
     * @return this builder
     */
    public Builder authorization(Supplier<String> value) {
      this.authorization = Objects.requireNonNull(value, "authorization");
      return this;
    }

    /**
     * Authenticates with a short-lived, single-use ticket in the query parameter {@code parameter} (what
     * browsers must do, see livepush's {@code Authenticator}); {@code ticket} is asked for a fresh one before each
     * connection attempt, on the client's thread (it may block briefly, for example to call the API that issues
     * tickets). Tickets are never logged.
     *
     * @param parameter the query parameter name
     * @param ticket supplies a fresh ticket per attempt
     * @return this builder
     */
    public Builder ticket(String parameter, Supplier<String> ticket) {
      Objects.requireNonNull(parameter, "ticket parameter");
      if (parameter.isEmpty() || !parameter.chars().allMatch(Builder::isTokenChar)) {
        throw new IllegalArgumentException("ticket: parameter name is not a token");
      }
      this.ticketParameter = parameter;
      this.ticket = Objects.requireNonNull(ticket, "ticket");
      return this;
    }

    /**
     * {@return the backoff ceiling of the first reconnect attempt; default 500 ms}
     *
     * @param delay the delay
     */
    public Builder minDelay(Duration delay) {
      this.minDelay = positive("minDelay", delay);
      return this;
    }

    /**
     * {@return the largest backoff ceiling, and the cap on a server's {@code retry} and {@code Retry-After}; default 30 s}
     *
     * @param delay the delay
     */
    public Builder maxDelay(Duration delay) {
      this.maxDelay = positive("maxDelay", delay);
      return this;
    }

    /**
     * How many reconnect attempts in a row may fail (no connection opened) before the client stops with
     * {@link ReconnectsExhaustedException}; {@code 0} stops at the first drop. Default unlimited.
     *
     * @param attempts the number of attempts, {@code >= 0}
     * @return this builder
     */
    public Builder maxReconnectAttempts(int attempts) {
      if (attempts < 0) {
        throw new IllegalArgumentException("maxReconnectAttempts: " + attempts + " (expected: >= 0)");
      }
      this.maxReconnectAttempts = attempts;
      return this;
    }

    /**
     * Silence (no byte on SSE, no message, ping or pong on WebSocket) after which a connection the client is
     * reading from is dropped and resumed (see {@link HeartbeatTimeoutException}); time spent paused for the
     * consumer does not count; after a third of it a WebSocket client probes with a ping. {@link Duration#ZERO}
     * disables. Default 45 s; keep it above the server's heartbeat
     * interval (livepush: 15 s).
     *
     * @param timeout the timeout
     * @return this builder
     */
    public Builder heartbeatTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "heartbeatTimeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("heartbeatTimeout: " + timeout + " (expected: >= 0)");
      }
      this.heartbeatTimeout = timeout;
      return this;
    }

    /**
     * How long a connection may take to open: TCP and TLS, then the SSE response headers or the WebSocket handshake
     * and {@code subscribed}; past it the attempt fails and is retried. Default 10 s.
     *
     * @param timeout the timeout
     * @return this builder
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive("connectTimeout", timeout);
      return this;
    }

    /**
     * The largest event in bytes: SSE data (and any single line), or a WebSocket message. Larger stops the client
     * with {@link EventTooLargeException}. Default 1 MiB.
     *
     * @param bytes the bound in bytes
     * @return this builder
     */
    public Builder maxEventBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxEventBytes: " + bytes + " (expected: > 0)");
      }
      this.maxEventBytes = bytes;
      return this;
    }

    /**
     * How many events may be read ahead of the consumer's demand; at the bound the client stops reading (nothing
     * is dropped). Memory is at most about {@code maxBufferedEvents × maxEventBytes}. Default 1024.
     *
     * @param events the number of events
     * @return this builder
     */
    public Builder maxBufferedEvents(int events) {
      if (events < 1) {
        throw new IllegalArgumentException("maxBufferedEvents: " + events + " (expected: > 0)");
      }
      this.maxBufferedEvents = events;
      return this;
    }

    /**
     * {@return the mapper for {@link PushEvent#as(Class)} (for example the server's); default {@code new ObjectMapper()}}
     *
     * @param mapper the mapper
     */
    public Builder objectMapper(ObjectMapper mapper) {
      this.objectMapper = Objects.requireNonNull(mapper, "objectMapper");
      return this;
    }

    /**
     * An {@link HttpClient} to share (TLS settings, proxy, executor). Default: one per client, HTTP/1.1, with
     * {@link #connectTimeout}, not following redirects (a {@code 3xx} stops the client with
     * {@link UnexpectedResponseException}). A client given here that follows redirects sends
     * {@link #authorization} and every {@link #header} to whichever host a redirect names: {@code java.net.http}
     * does not drop them on a cross-origin redirect, as WHATWG fetch does for {@code Authorization}.
     *
     * @param client the client to share
     * @return this builder
     */
    public Builder httpClient(HttpClient client) {
      this.httpClient = Objects.requireNonNull(client, "httpClient");
      return this;
    }

    /**
     * {@return receives events, resets and the end; exclusive with {@link LivePushClient#events()}}
     *
     * @param listener the listener
     */
    public Builder listener(LivePushListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Adds a listener for state changes.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder stateListener(StateListener listener) {
      this.stateListeners.add(Objects.requireNonNull(listener, "stateListener"));
      return this;
    }

    /**
     * The source of backoff jitter, uniform in {@code [0, 1)}; for tests. Default {@link ThreadLocalRandom}.
     *
     * @param random uniform in {@code [0, 1)}
     * @return this builder
     */
    public Builder random(DoubleSupplier random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * Checks the combination and builds an unstarted client.
     *
     * @throws IllegalStateException when no URL is set, the chosen transport has none, WebSocket is chosen
     *     without topics, or {@code minDelay > maxDelay}
     * @return the client, not started
     */
    public LivePushClient build() {
      if (sseUri == null && webSocketUri == null && longPollUri == null) {
        throw new IllegalStateException("sse / webSocket / longPoll: none set (expected: at least one URL)");
      }
      if (transport == null) {
        transport = sseUri != null ? ClientTransport.SSE
            : webSocketUri != null ? ClientTransport.WEBSOCKET : ClientTransport.LONG_POLLING;
      }
      if ((transport == ClientTransport.SSE ? sseUri : transport == ClientTransport.WEBSOCKET ? webSocketUri
          : longPollUri) == null) {
        throw new IllegalStateException("transport: " + transport + " has no URL");
      }
      if ((webSocketUri != null || longPollUri != null) && topics.isEmpty()) {
        throw new IllegalStateException("topics: none (expected: at least one for WebSocket and long-polling)");
      }
      if (minDelay.compareTo(maxDelay) > 0) {
        throw new IllegalStateException("minDelay: " + minDelay + " (expected: <= maxDelay " + maxDelay + ")");
      }
      return new LivePushClient(new ClientConfig(this), listener, List.copyOf(stateListeners));
    }

    private static URI checkScheme(String what, URI uri, String a, String b) {
      Objects.requireNonNull(uri, what);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals(a) && !scheme.equals(b) || uri.getHost() == null) {
        throw new IllegalArgumentException(what + ": " + Urls.redact(uri) + " (expected: an absolute " + a
            + ": or " + b + ": URL)");
      }
      return uri;
    }

    private static Duration positive(String what, Duration d) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + ": " + d + " (expected: > 0)");
      }
      return d;
    }

    private static void checkTopic(String t) {
      Objects.requireNonNull(t, "topic");
      if (t.isEmpty() || t.length() > 200) {
        throw new IllegalArgumentException("topic: length " + t.length() + " (expected: 1 to 200)");
      }
      for (int i = 0; i < t.length(); i++) {
        char c = t.charAt(i);
        boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-_.:@/+=~".indexOf(c) >= 0;
        if (!ok) {
          throw new IllegalArgumentException("topic: character outside [A-Za-z0-9-_.:@/+=~] at index " + i);
        }
      }
    }

    private static boolean isTokenChar(int c) {
      return c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }
  }
}
