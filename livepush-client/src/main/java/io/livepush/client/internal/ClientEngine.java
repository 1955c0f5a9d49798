package io.livepush.client.internal;

import io.livepush.client.ClientConfig;
import io.livepush.client.ClientState;
import io.livepush.client.ClientTransport;
import io.livepush.client.EventTooLargeException;
import io.livepush.client.HeartbeatTimeoutException;
import io.livepush.client.LivePushClientException;
import io.livepush.client.ReconnectsExhaustedException;
import io.livepush.client.ServerClosedException;
import io.livepush.client.StateListener;
import io.livepush.client.StreamItem;
import io.livepush.client.SubscriptionRefusedException;
import io.livepush.client.UnexpectedResponseException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The state machine behind {@code LivePushClient}: connections, positions, backoff, the heartbeat watchdog and the
 * bounded queue between the wire and the consumer.
 *
 * <p>Everything but the {@code volatile} fields is confined to the client's single thread ({@link #loop}); public
 * methods hop onto it. Two positions are kept: {@link #wirePosition} (after the last item read, what a reconnect
 * resumes from, since undelivered items stay queued) and {@link #deliveredPosition} (after the last item handed to
 * the consumer, what {@code position()} returns).
 */
public final class ClientEngine {
  static final System.Logger LOG = System.getLogger("io.livepush.client");
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final ClientConfig config;
  private final List<StateListener> stateListeners;
  private final ScheduledThreadPoolExecutor loop;
  private final HttpClient http;
  private final CompletableFuture<Void> opened = new CompletableFuture<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final ArrayDeque<Entry> queue = new ArrayDeque<>();
  private final long heartbeatNanos;
  private final long connectNanos;

  // Confined to the loop.
  private Flow.Subscriber<? super StreamItem> subscriber;
  private long demand;
  private Connection connection;
  private String wirePosition;
  private long serverRetryMillis = -1;
  private int attempt;
  private boolean currentOpened; // the current connection has reached OPEN
  private ScheduledFuture<?> reconnectTimer;
  private ScheduledFuture<?> watchdog;
  private boolean started;
  private boolean terminated;
  private boolean signalled;
  private volatile Throwable terminalCause;

  private volatile ClientTransport transport;
  private volatile ClientState state = ClientState.IDLE;
  private volatile String deliveredPosition;
  private volatile int buffered;
  private volatile long connectionsOpened;
  private volatile long lastInputNanos = System.nanoTime();

  public ClientEngine(ClientConfig config, List<StateListener> stateListeners) {
    this.config = config;
    this.stateListeners = stateListeners;
    this.transport = config.transport();
    this.wirePosition = config.from();
    this.deliveredPosition = config.from();
    this.heartbeatNanos = config.heartbeatTimeout().toNanos();
    this.connectNanos = config.connectTimeout().toNanos();
    this.loop = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "livepush-client-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    loop.setRemoveOnCancelPolicy(true);
    loop.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.http = config.httpClient() != null ? config.httpClient()
        // Redirects are not followed: java.net.http would send Authorization and the configured headers to whatever
        // origin a Location names (WHATWG fetch drops Authorization there); a 3xx is terminal, as documented.
        : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(config.connectTimeout()).build();
  }

  // ---- called from any thread -------------------------------------------------------------------------------

  public CompletableFuture<Void> start() {
    execute(() -> {
      if (started || terminated) {
        return;
      }
      started = true;
      setState(ClientState.CONNECTING, null, Duration.ZERO);
      long shortest = heartbeatNanos > 0 ? Math.min(heartbeatNanos, connectNanos) : connectNanos;
      long tick = Math.max(TimeUnit.NANOSECONDS.toMillis(shortest) / 4, 10);
      watchdog = loop.scheduleWithFixedDelay(this::checkHeartbeat, tick, tick, TimeUnit.MILLISECONDS);
      connect();
    });
    return opened.copy();
  }

  public void subscribe(Flow.Subscriber<? super StreamItem> s) {
    java.util.Objects.requireNonNull(s, "subscriber");
    if (!execute(() -> attach(s))) {
      // The client's thread is gone: the client closed, which the subscriber learns at once.
      s.onSubscribe(NOOP);
      if (terminalCause != null) {
        s.onError(terminalCause);
      } else {
        s.onComplete();
      }
    }
  }

  public CompletableFuture<Void> switchTransport(ClientTransport t) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    boolean queued = execute(() -> {
      if (terminated) {
        done.completeExceptionally(new LivePushClientException("client is closed"));
        return;
      }
      transport = t;
      if (started) {
        if (connection != null) {
          connection.abort(true);
          connection = null;
        }
        cancel(reconnectTimer);
        setState(ClientState.CONNECTING, null, Duration.ZERO);
        connect();
      }
      done.complete(null);
    });
    if (!queued) {
      done.completeExceptionally(new LivePushClientException("client is closed"));
    }
    return done;
  }

  public void close(Throwable cause) {
    execute(() -> terminate(cause, true));
  }

  public CompletableFuture<Void> whenClosed() {
    return closed.copy();
  }

  public String deliveredPosition() {
    return deliveredPosition;
  }

  public ClientState state() {
    return state;
  }

  public ClientTransport transport() {
    return transport;
  }

  public int buffered() {
    return buffered;
  }

  public long connectionsOpened() {
    return connectionsOpened;
  }

  // ---- for connections (on the loop unless said otherwise) ----------------------------------------------------

  ClientConfig config() {
    return config;
  }

  HttpClient http() {
    return http;
  }

  /** Runs {@code task} on the client's thread; {@code false} when the client has stopped. Any thread. */
  boolean execute(Runnable task) {
    try {
      loop.execute(task);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /** Input arrived, or reading starts (again): restarts the heartbeat clock. Any thread. */
  void touch() {
    lastInputNanos = System.nanoTime();
  }

  boolean isCurrent(Connection c) {
    return c == connection && !terminated;
  }

  /** Whether the consumer's queue has room for one more item. */
  boolean hasRoom() {
    return queue.size() < config.maxBufferedEvents();
  }

  String wirePosition() {
    return wirePosition;
  }

  void opened(Connection c) {
    if (!isCurrent(c)) {
      return;
    }
    attempt = 0;
    currentOpened = true;
    touch();
    connectionsOpened++;
    setState(ClientState.OPEN, null, Duration.ZERO);
    opened.complete(null);
  }

  /** An item read from the wire; {@code positionAfter} is the wire position once it is read. */
  void deliver(Connection c, StreamItem item, String positionAfter) {
    if (!isCurrent(c)) {
      return;
    }
    wirePosition = emptyToNull(positionAfter);
    queue.add(new Entry(item, wirePosition));
    buffered = queue.size();
    drain();
  }

  /** The wire position moved without an item (SSE id-only block, WebSocket {@code subscribed}). */
  void position(Connection c, String position) {
    if (!isCurrent(c)) {
      return;
    }
    wirePosition = emptyToNull(position);
    Entry last = queue.peekLast();
    if (last == null) {
      deliveredPosition = wirePosition;
    } else {
      last.positionAfter = wirePosition;
    }
  }

  void retry(Connection c, long millis) {
    if (isCurrent(c)) {
      serverRetryMillis = Math.min(millis, config.maxDelay().toMillis());
    }
  }

  /** The connection ended; {@code retryAfterMillis} is the server's {@code Retry-After} or {@code -1}. */
  void failed(Connection c, Throwable cause, long retryAfterMillis) {
    if (!isCurrent(c)) {
      return;
    }
    connection = null;
    c.abort(false);
    if (isTerminal(cause)) {
      terminate(cause, false);
      return;
    }
    if (attempt >= config.maxReconnectAttempts()) {
      terminate(new ReconnectsExhaustedException(attempt, cause), false);
      return;
    }
    long base = serverRetryMillis >= 0 ? serverRetryMillis : config.minDelay().toMillis();
    long delay = Backoff.delayMillis(attempt, base, config.maxDelay().toMillis(), retryAfterMillis,
        config.random());
    attempt++;
    LOG.log(System.Logger.Level.DEBUG, () -> "livepush connection lost (" + cause + "), reconnecting in " + delay
        + " ms");
    setState(ClientState.RECONNECTING, cause, Duration.ofMillis(delay));
    reconnectTimer = loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
  }

  // ---- internals (on the loop) --------------------------------------------------------------------------------

  private void connect() {
    if (terminated) {
      return;
    }
    Connection c = switch (transport) {
      case SSE -> new SseConnection(this);
      case WEBSOCKET -> new WsConnection(this);
      case LONG_POLLING -> new PollConnection(this);
    };
    connection = c;
    currentOpened = false;
    touch();
    try {
      c.open(wirePosition);
    } catch (RuntimeException e) {
      failed(c, e, -1); // a throwing ticket or authorization supplier
    }
  }

  private void checkHeartbeat() {
    Connection c = connection;
    if (c == null || terminated || !c.awaitingInput()) {
      return;
    }
    long silent = System.nanoTime() - lastInputNanos;
    if (!currentOpened) { // until the stream opens, the connect timeout bounds the wait (TCP, TLS, headers)
      if (silent > connectNanos) {
        failed(c, new java.net.http.HttpConnectTimeoutException("no answer within "
            + config.connectTimeout().toMillis() + " ms"), -1);
      }
      return;
    }
    if (heartbeatNanos > 0 && silent > heartbeatNanos / 3) {
      c.idle(silent);
    }
    if (heartbeatNanos > 0 && silent > heartbeatNanos) {
      failed(c, new HeartbeatTimeoutException(Duration.ofNanos(silent)), -1);
    }
  }

  /**
   * The authorization supplier's value for this attempt; a value {@code java.net.http} would refuse or alter
   * (non-ASCII becomes {@code ?}) fails the attempt like a throwing supplier, with a message that does not quote it.
   */
  static String authorization(ClientConfig config) {
    String v = config.authorization().get();
    if (v == null || !HeaderValues.sendable(v)) {
      throw new IllegalArgumentException("the authorization supplier returned " + (v == null ? "null"
          : "a value that is not printable ASCII (" + v.length() + " characters)"));
    }
    return v;
  }

  private static boolean isTerminal(Throwable cause) {
    return cause instanceof EventTooLargeException || cause instanceof SubscriptionRefusedException
        || cause instanceof io.livepush.client.PositionNotSendableException
        || cause instanceof UnexpectedResponseException u && !u.retryable()
        || cause instanceof ServerClosedException s && !s.retryable();
  }

  private void attach(Flow.Subscriber<? super StreamItem> s) {
    if (subscriber != null || signalled) {
      s.onSubscribe(NOOP);
      if (signalled && subscriber == null) {
        if (terminalCause != null) {
          s.onError(terminalCause);
        } else {
          s.onComplete();
        }
      } else {
        s.onError(new IllegalStateException("this client already has a subscriber (or a listener)"));
      }
      return;
    }
    subscriber = s;
    s.onSubscribe(new Flow.Subscription() {
      @Override
      public void request(long n) {
        execute(() -> {
          if (subscriber != s) {
            return;
          }
          if (n <= 0) { // Reactive Streams §3.9
            terminate(new IllegalArgumentException("request(" + n + ") (expected: > 0)"), true);
            return;
          }
          demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
          drain();
        });
      }

      @Override
      public void cancel() {
        execute(() -> {
          if (subscriber == s) {
            subscriber = null;
            terminate(null, true);
          }
        });
      }
    });
    if (terminated) {
      drain();
    }
  }

  private void drain() {
    Flow.Subscriber<? super StreamItem> s = subscriber;
    while (s != null && demand > 0 && !queue.isEmpty()) {
      Entry e = queue.poll();
      buffered = queue.size();
      demand--;
      deliveredPosition = e.positionAfter;
      try {
        s.onNext(e.item);
      } catch (RuntimeException | Error ex) {
        LOG.log(System.Logger.Level.WARNING, "livepush listener failed on " + e.item, ex);
      }
      s = subscriber;
    }
    if (terminated) {
      if (queue.isEmpty() || subscriber == null) {
        signalTerminal();
      }
      return;
    }
    if (connection != null && hasRoom()) {
      connection.resumeReading();
    }
  }

  /**
   * Stops: {@code discard} (a close by the caller) drops undelivered items and signals at once; otherwise (a
   * failure) the items already read are delivered first, as demand allows.
   */
  private void terminate(Throwable cause, boolean discard) {
    if (terminated) {
      return;
    }
    terminated = true;
    terminalCause = cause;
    cancel(reconnectTimer);
    cancel(watchdog);
    if (connection != null) {
      connection.abort(true);
      connection = null;
    }
    if (discard) {
      queue.clear();
      buffered = 0;
    }
    drain();
  }

  private void signalTerminal() {
    if (signalled) {
      return;
    }
    signalled = true;
    setState(ClientState.CLOSED, terminalCause, Duration.ZERO);
    Flow.Subscriber<? super StreamItem> s = subscriber;
    subscriber = null;
    if (s != null) {
      try {
        if (terminalCause != null) {
          s.onError(terminalCause);
        } else {
          s.onComplete();
        }
      } catch (RuntimeException | Error ex) {
        LOG.log(System.Logger.Level.WARNING, "livepush listener failed on close", ex);
      }
    }
    opened.completeExceptionally(terminalCause != null ? terminalCause
        : new LivePushClientException("client closed before it opened"));
    closed.complete(null);
    loop.shutdown();
  }

  private void setState(ClientState next, Throwable cause, Duration delay) {
    state = next;
    for (StateListener l : stateListeners) {
      try {
        l.onState(next, cause, delay);
      } catch (RuntimeException | Error ex) {
        LOG.log(System.Logger.Level.WARNING, "livepush state listener failed", ex);
      }
    }
  }

  private static void cancel(ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static final Flow.Subscription NOOP = new Flow.Subscription() {
    @Override
    public void request(long n) {}

    @Override
    public void cancel() {}
  };

  /** A queued item and the wire position once it is consumed (moved by later position-only records). */
  private static final class Entry {
    final StreamItem item;
    String positionAfter;

    Entry(StreamItem item, String positionAfter) {
      this.item = item;
      this.positionAfter = positionAfter;
    }
  }
}
