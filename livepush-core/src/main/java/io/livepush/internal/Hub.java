package io.livepush.internal;

import io.livepush.CapacityExceededException;
import io.livepush.CloseReason;
import io.livepush.ConnectionListener;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushConfig;
import io.livepush.LivePushStats;
import io.livepush.Principal;
import io.livepush.RequestInfo;
import io.livepush.ResetReason;
import io.livepush.SlowConsumerPolicy;
import io.livepush.spi.EventBus;
import io.livepush.spi.LogSafe;
import io.livepush.spi.PublishedEvent;
import io.livepush.spi.Session;
import io.livepush.spi.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fan-out engine: owns the replay log, the sessions of every event loop and their heartbeat sweeps.
 *
 * <h2>How one publish travels</h2>
 * Under the log lock, {@link #publish} assigns the offset, encodes the event once per transport, appends it and
 * submits one delivery task to each event loop that has subscribers of the topic. Each task copies the encoded
 * bytes once into a direct buffer per transport and writes a {@code retainedDuplicate()} to every subscriber on
 * that loop, skipping subscribers whose position is already past the event (those that resumed through it).
 * Because submission happens under the lock, every loop runs deliveries in offset order.
 */
public final class Hub {
  static final Logger LOG = LoggerFactory.getLogger(Hub.class);
  /** The address whose per-address slot this channel holds (set by {@link #admit(Channel)}). */
  static final AttributeKey<InetAddress> ADDRESS_SLOT = AttributeKey.valueOf("livepush.addressSlot");

  final LivePushConfig config;
  final ReplayLog log;
  final Stats stats;
  private final Transport[] transports;
  private final LoopState[] loops;
  private final IdentityHashMap<EventExecutor, LoopState> loopByExecutor = new IdentityHashMap<>();
  private final List<ConnectionListener> listeners;
  private final LongSupplier nanoClock;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicLong sessionIds = new AtomicLong();
  private final List<ScheduledFuture<?>> timers = new ArrayList<>();
  private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
  private final AtomicInteger[] byTransport;
  private final TokenBucket admissionRate;
  private final LocalPresence presence;
  private final EventBus bus;
  /** Where listeners run; the server sets it before it starts (tests keep the direct default). */
  private volatile Callbacks callbacks;

  public Hub(LivePushConfig config, List<EventLoop> eventLoops, long epoch, LongSupplier nanoClock) {
    this.config = config;
    this.transports = config.transports().toArray(new Transport[0]);
    this.stats = new Stats(transports.length);
    this.listeners = config.connectionListeners();
    this.nanoClock = nanoClock;
    this.loops = new LoopState[eventLoops.size()];
    for (int i = 0; i < loops.length; i++) {
      loops[i] = new LoopState(i, eventLoops.get(i));
      loopByExecutor.put(eventLoops.get(i), loops[i]);
    }
    this.log = new ReplayLog(config.replay(), epoch, loops.length, nanoClock);
    this.byTransport = new AtomicInteger[transports.length];
    for (int i = 0; i < byTransport.length; i++) {
      byTransport[i] = new AtomicInteger();
    }
    this.admissionRate = config.connectionRate() > 0
        ? new TokenBucket(config.connectionRate(), config.connectionBurst(), nanoClock) : null;
    this.presence = new LocalPresence(this, config.presenceTopics(), config.presenceGrace(),
        config.presenceMetadata());
    this.bus = config.bus();
    this.callbacks = new Callbacks(config, Callbacks.DIRECT);
  }

  /** Sets where application callbacks run; before any connection opens. */
  public void callbacks(Callbacks callbacks) {
    this.callbacks = callbacks;
  }

  /** The presence registry of this node. */
  public LocalPresence presence() {
    return presence;
  }

  SlowConsumerPolicy slowConsumerPolicy(String topic) {
    SlowConsumerPolicy p = config.slowConsumerPolicy().apply(topic);
    return p != null ? p : SlowConsumerPolicy.DISCONNECT;
  }

  void presenceJoin(SessionImpl s, Collection<String> topics) {
    presence.join(s, topics);
  }

  void presenceLeave(SessionImpl s, Collection<String> topics) {
    presence.leave(s, topics);
  }

  /** A snapshot of every counter. */
  public LivePushStats snapshot() {
    Map<String, Integer> by = new LinkedHashMap<>();
    String[] names = new String[transports.length];
    for (int i = 0; i < transports.length; i++) {
      names[i] = transports[i].name();
      by.merge(names[i], byTransport[i].get(), Integer::sum);
    }
    return stats.snapshot(by, names);
  }

  /** Starts the heartbeat sweep on every loop and the log's age sweep. */
  public void startTimers() {
    long interval = config.heartbeatInterval().toNanos();
    long timeout = config.heartbeatTimeout().toNanos();
    // Sweep four times per interval so a heartbeat is at most a quarter interval late; never busier than 10 ms.
    long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(TimeUnit.SECONDS.toNanos(1), interval / 4));
    for (LoopState l : loops) {
      timers.add(l.loop.scheduleAtFixedRate(() -> l.sweep(nanoTime(), interval, timeout), period, period,
          TimeUnit.NANOSECONDS));
    }
    timers.add(loops[0].loop.scheduleAtFixedRate(log::expire, 1, 1, TimeUnit.SECONDS));
  }

  public void stopTimers() {
    for (ScheduledFuture<?> f : timers) {
      f.cancel(false);
    }
    timers.clear();
  }

  long nanoTime() {
    return nanoClock.getAsLong();
  }

  public Stats stats() {
    return stats;
  }

  public ReplayLog log() {
    return log;
  }

  public int connectionCount() {
    return connections.get();
  }

  /** Publishes an event whose payload is already bytes; see the class javadoc. Any thread. */
  public EventId publish(String topic, String type, Event.Kind kind, byte[] payload) {
    LogEntry e;
    log.lock();
    try {
      e = log.append(topic, type, kind, payload, this::encode);
      dispatch(e);
    } finally {
      log.unlock();
    }
    stats.published.increment();
    return e.id;
  }

  /** Posts one delivery task per loop with subscribers of the entry's topic; caller holds the log lock. */
  private void dispatch(LogEntry e) {
    TopicLog t = e.topic;
    if (t.totalSubscribers > 0) {
      for (int i = 0; i < loops.length; i++) {
        if (t.counts[i] > 0) {
          loops[i].deliveriesQueued.incrementAndGet();
          loops[i].loop.execute(new Delivery(this, t, e, i));
        }
      }
    }
  }

  /**
   * Publishes an event the server itself produces (presence changes) without ever blocking: into the local log
   * for a single node, through the bus otherwise, so a cluster's offset sequence has one writer. Any thread.
   */
  void publishFromServer(String topic, String type, Event.Kind kind, byte[] payload) {
    if (bus == null) {
      publish(topic, type, kind, payload);
      return;
    }
    bus.publish(topic, type, kind, payload).whenComplete((id, e) -> {
      if (e != null) {
        LOG.warn("server event for {} not published through the bus", topic, e);
      }
    });
  }

  // ---- cluster bus (io.livepush.spi.EventBus): entries arrive with ids the bus assigned -------------------

  /** The sink the configured bus feeds; see {@link EventBus.Sink} for the contract. */
  public EventBus.Sink busSink() {
    return new EventBus.Sink() {
      @Override
      public void append(PublishedEvent event) {
        appendFromBus(event);
      }

      @Override
      public void rebase(EventId position) {
        rebaseFromBus(position);
      }

      @Override
      public void gap(EventId from, EventId to) {
        gapFromBus(from, to);
      }
    };
  }

  /** Appends and delivers an event the bus sequenced; duplicates (not after the head) are ignored. */
  void appendFromBus(PublishedEvent ev) {
    log.lock();
    try {
      LogEntry e = log.appendAt(ev.topic(), ev.id(), ev.type(), ev.kind(), ev.payload(), this::encode);
      if (e == null) {
        LOG.debug("ignoring bus event {} (log at {})", ev.id(), log.headId());
        return;
      }
      dispatch(e);
    } finally {
      log.unlock();
    }
    stats.published.increment();
  }

  void rebaseFromBus(EventId position) {
    log.lock();
    try {
      boolean epochChanged = position.epoch() != log.epoch();
      LOG.info("bus rebase: log {} -> {}", log.headId(), position);
      log.rebase(position);
      if (epochChanged) {
        postResets(ResetReason.EPOCH_CHANGED, position);
      }
    } finally {
      log.unlock();
    }
  }

  void gapFromBus(EventId from, EventId to) {
    log.lock();
    try {
      LOG.warn("bus lost events ({}, {}] before this node read them; subscribers get reset", from, to);
      log.skipTo(to.offset());
      postResets(ResetReason.TOO_OLD, log.headId());
    } finally {
      log.unlock();
    }
  }

  /** Caller holds the log lock, so the resets are ordered with deliveries on every loop. */
  private void postResets(ResetReason reason, EventId position) {
    long generation = log.generation();
    for (LoopState l : loops) {
      l.loop.execute(() -> {
        for (SessionImpl s : new ArrayList<>(l.sessions)) {
          s.busReset(reason, position, generation);
        }
      });
    }
  }

  /** The configured bus, or {@code null} for a single node. */
  public EventBus bus() {
    return bus;
  }

  byte[][] encode(LogEntry e) {
    byte[][] out = new byte[transports.length][];
    for (int i = 0; i < transports.length; i++) {
      out[i] = transports[i].encode(e);
    }
    return out;
  }

  /** One event to every subscriber of one topic on one loop. */
  private static final class Delivery implements Runnable {
    private final Hub hub;
    private final TopicLog topic;
    private final LogEntry entry;
    private final int loop;

    Delivery(Hub hub, TopicLog topic, LogEntry entry, int loop) {
      this.hub = hub;
      this.topic = topic;
      this.entry = entry;
      this.loop = loop;
    }

    @Override
    public void run() {
      // The last event queued on this loop flushes as it writes (one pipeline walk, the connection's objects
      // still in cache); with more queued, flushes wait for one pass after them, so a burst shares a writev.
      boolean flushNow = hub.loops[loop].deliveriesQueued.decrementAndGet() == 0;
      ArrayList<Subscription> list = topic.subscribers[loop];
      if (list == null) {
        return;
      }
      ByteBuf[] shared = new ByteBuf[hub.transports.length];
      long now = hub.nanoTime(); // one clock read per task, not per subscriber
      int delivered = 0;
      long written = 0;
      try {
        // Downwards: a subscriber removed mid-loop (swap-remove) never causes another to be skipped; the
        // position check stops the swapped-in one from receiving the event twice.
        for (int i = list.size() - 1; i >= 0; i--) {
          if (i >= list.size()) {
            continue;
          }
          Subscription s = list.get(i);
          if (entry.offset <= s.position || s.session.replaying()) {
            // Already covered (resumed through it), or the session owes a replay: its cursor reads this
            // event from the log in offset order once the connection drains.
            continue;
          }
          s.position = entry.offset;
          SessionImpl session = s.session;
          int ti = session.transportIndex;
          ByteBuf buf = shared[ti];
          if (buf == null) {
            byte[] bytes = entry.encoded[ti];
            buf = session.channel.alloc().directBuffer(bytes.length).writeBytes(bytes);
            shared[ti] = buf;
          }
          if (session.deliver(s, entry, buf.retainedDuplicate(), now, flushNow)) {
            delivered++;
            written += buf.readableBytes();
          }
        }
      } finally {
        for (ByteBuf b : shared) {
          if (b != null) {
            b.release();
          }
        }
        // Counted once per task, not per subscriber: the fan-out loop stays free of shared counters.
        hub.stats.delivered.add(delivered);
        hub.stats.bytesWritten.add(written);
        if (delivered > 0 && hub.stats.timesDelivery()) {
          // One latency sample per task (event x loop), taken after the fan-out: publish to the last write. No
          // listener (no metrics library bound): no clock read.
          hub.stats.deliveryLatency(hub.nanoTime() - entry.createdNanos);
        }
      }
    }
  }

  static List<LogEntry> mergeByOffset(List<List<LogEntry>> lists) {
    if (lists.isEmpty()) {
      return List.of();
    }
    if (lists.size() == 1) {
      return lists.get(0);
    }
    ArrayList<LogEntry> all = new ArrayList<>();
    for (List<LogEntry> l : lists) {
      all.addAll(l);
    }
    all.sort((a, b) -> Long.compare(a.offset, b.offset));
    return all;
  }

  /** Takes a connection slot or throws {@link CapacityExceededException}. */
  public void admit() {
    int retry = (int) Math.max(1, config.retry().toSeconds());
    for (;;) {
      int n = connections.get();
      if (n >= config.maxConnections()) {
        stats.refused(Stats.MAX_CONNECTIONS);
        throw new CapacityExceededException("server holds its maximum of " + config.maxConnections()
            + " connections", retry);
      }
      if (connections.compareAndSet(n, n + 1)) {
        return;
      }
    }
  }

  public void releaseAdmission() {
    connections.decrementAndGet();
  }

  /**
   * Takes a connection slot for {@code channel}, checking in order the admission rate, the total limit and the
   * per-address limit; throws {@link CapacityExceededException} (503 / 1013) when one is exceeded. The
   * per-address slot is returned when the channel closes or by {@link #releaseAdmission(Channel)}.
   */
  public void admit(Channel channel) {
    admit(channel, ClientAddress.of(channel));
  }

  /** As {@link #admit(Channel)}, with {@code client} standing for the channel's remote address. */
  public void admit(Channel channel, SocketAddress client) {
    int retry = (int) Math.max(1, config.retry().toSeconds());
    if (admissionRate != null && !admissionRate.tryTake()) {
      stats.refused(Stats.ADMISSION_RATE);
      throw new CapacityExceededException("too many new connections per second; try again shortly", retry);
    }
    admit();
    int perAddressLimit = config.maxConnectionsPerAddress();
    if (perAddressLimit <= 0 || !(client instanceof InetSocketAddress isa)) {
      return;
    }
    InetAddress address = isa.getAddress();
    int[] now = new int[1];
    perAddress.compute(address, (a, c) -> {
      AtomicInteger count = c != null ? c : new AtomicInteger();
      now[0] = count.incrementAndGet();
      return count;
    });
    if (now[0] > perAddressLimit) {
      decrementAddress(address);
      connections.decrementAndGet();
      stats.refused(Stats.MAX_PER_ADDRESS);
      throw new CapacityExceededException("too many connections from your address", retry);
    }
    channel.attr(ADDRESS_SLOT).set(address);
  }

  /** Returns the slots {@link #admit(Channel)} took when no session took them over. */
  public void releaseAdmission(Channel channel) {
    connections.decrementAndGet();
    releaseAddress(channel);
  }

  /** Moves the per-address slot {@link #admit(Channel)} took for {@code from} to {@code to} (same connection). */
  public void moveAdmission(Channel from, Channel to) {
    if (from.hasAttr(ADDRESS_SLOT)) {
      InetAddress address = from.attr(ADDRESS_SLOT).getAndRemove();
      if (address != null) {
        to.attr(ADDRESS_SLOT).set(address);
      }
    }
  }

  private void releaseAddress(Channel channel) {
    if (!channel.hasAttr(ADDRESS_SLOT)) {
      return; // attr() would create the attribute (and the channel's attribute map) just to read null
    }
    InetAddress address = channel.attr(ADDRESS_SLOT).getAndRemove();
    if (address != null) {
      decrementAddress(address);
    }
  }

  /** Atomic per key (compute), so the map keeps no entry for an address without connections. */
  private void decrementAddress(InetAddress address) {
    perAddress.computeIfPresent(address, (a, c) -> c.decrementAndGet() <= 0 ? null : c);
  }

  /** Registers an admitted channel as a session of {@code principal}; on the channel's loop. */
  public Session openSession(Channel channel, Transport transport, int transportIndex, RequestInfo request,
      Principal principal) {
    LoopState loop = loopByExecutor.get(channel.eventLoop());
    if (loop == null) {
      throw new IllegalStateException("channel is not served by this server's event loops: " + channel);
    }
    assert loop.loop.inEventLoop();
    SessionImpl s = new SessionImpl(this, sessionIds.incrementAndGet(), channel, transport, transportIndex,
        loop, request, principal, nanoTime());
    loop.add(s);
    byTransport[transportIndex].incrementAndGet();
    // The session is its own handler: writability and close reach it without a listener or handler per channel.
    channel.pipeline().addFirst(io.livepush.spi.PipelineNames.WRITABILITY, s);
    CompletableFuture<Void> opened = listeners.isEmpty() ? null
        : notifyListeners(null, l -> l.onOpen(s), "onOpen");
    if (!config.retainRequestHeaders() && request instanceof DefaultRequestInfo) {
      // onOpen sees the headers: drop them once it returned (on the blocking executor, possibly later).
      DefaultRequestInfo slim = ((DefaultRequestInfo) request).withoutHeaders();
      if (opened == null) {
        s.request = slim;
      } else {
        opened = opened.whenComplete((v, e) -> s.request = slim);
      }
    }
    s.listenerCalls = opened;
    if (!channel.isActive()) {
      onClosed(s); // closed before the handler was in place: channelInactive will not reach it
    }
    return s;
  }

  /** Deregisters a closed session once; on its loop. */
  void onClosed(SessionImpl s) {
    if (s.deregistered) {
      return;
    }
    s.deregistered = true;
    LoopState loop = s.loop;
    s.markClosed();
    loop.remove(s);
    s.unsubscribeAll();
    connections.decrementAndGet();
    byTransport[s.transportIndex].decrementAndGet();
    releaseAddress(s.channel);
    CloseReason reason = s.closeReason(); // closed now: the reason given, else CLIENT_CLOSED
    if (!listeners.isEmpty()) {
      s.listenerCalls = notifyListeners(s.listenerCalls, l -> l.onClose(s, reason), "onClose");
    }
  }

  /**
   * Calls every listener: {@link io.livepush.NonBlocking} ones now, on this loop; the others in one task on the
   * blocking executor, after {@code previous} (so a connection's onClose never overtakes its onOpen). Returns
   * the stage of the blocking calls, or {@code previous} when there were none. A rejected task is logged and
   * skipped.
   */
  private CompletableFuture<Void> notifyListeners(CompletableFuture<Void> previous,
      java.util.function.Consumer<ConnectionListener> call, String what) {
    boolean blocking = false;
    for (ConnectionListener l : listeners) {
      if (l instanceof io.livepush.NonBlocking) {
        callListener(l, call, what);
      } else {
        blocking = true;
      }
    }
    if (!blocking) {
      return previous;
    }
    Runnable task = () -> {
      for (ConnectionListener l : listeners) {
        if (!(l instanceof io.livepush.NonBlocking)) {
          callListener(l, call, what);
        }
      }
    };
    java.util.concurrent.Executor executor = callbacks.blocking();
    try {
      return previous == null ? CompletableFuture.runAsync(task, executor)
          : previous.handle((v, e) -> null).thenRunAsync(task, executor);
    } catch (RejectedExecutionException e) {
      LOG.warn("connection listeners skipped ({}): blocking executor full", what);
      return previous;
    }
  }

  private static void callListener(ConnectionListener l, java.util.function.Consumer<ConnectionListener> call,
      String what) {
    try {
      call.accept(l);
    } catch (RuntimeException e) {
      LOG.warn("connection listener failed in {}", what, LogSafe.throwable(e));
    }
  }

  /**
   * Closes every session with {@code reason} at once; each on its own loop. The future completes once every
   * one of those channels has closed, so a caller can let goodbyes (WebSocket close handshakes) finish before
   * the loops stop.
   */
  public CompletableFuture<Void> closeAll(CloseReason reason) {
    return closeAll(reason, Duration.ZERO, Integer.MAX_VALUE);
  }

  /**
   * Closes every session with {@code reason}, spreading the closes over {@code window}: each loop closes its
   * sessions in batches of at most {@code batchSize}, the k-th of n batches after {@code window * k / n}, so
   * clients do not all reconnect in the same instant. Loops with one batch close at once. The future completes
   * when every one of those channels has closed (bound it: a stalled peer may never finish its goodbye).
   */
  public CompletableFuture<Void> closeAll(CloseReason reason, Duration window, int batchSize) {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    long windowNanos = window.toNanos();
    for (LoopState l : loops) {
      CompletableFuture<Void> done = new CompletableFuture<>();
      all.add(done);
      try {
        l.loop.execute(() -> {
          List<SessionImpl> sessions = new ArrayList<>(l.sessions);
          AtomicInteger open = new AtomicInteger(sessions.size() + 1);
          Runnable closedOne = () -> {
            if (open.decrementAndGet() == 0) {
              done.complete(null);
            }
          };
          for (SessionImpl s : sessions) {
            s.channel.closeFuture().addListener(f -> closedOne.run());
          }
          int batches = Math.max(1, (sessions.size() + batchSize - 1) / batchSize);
          for (int b = 0; b < batches; b++) {
            int from = (int) ((long) sessions.size() * b / batches);
            int to = (int) ((long) sessions.size() * (b + 1) / batches);
            List<SessionImpl> batch = sessions.subList(from, to);
            Runnable closeBatch = () -> {
              for (SessionImpl s : batch) {
                s.close(reason);
              }
            };
            if (b == 0 || windowNanos == 0) {
              closeBatch.run();
            } else {
              l.loop.schedule(closeBatch, windowNanos * b / batches, TimeUnit.NANOSECONDS);
            }
          }
          closedOne.run();
        });
      } catch (RejectedExecutionException e) {
        done.complete(null);
      }
    }
    return CompletableFuture.allOf(all.toArray(new CompletableFuture[0]));
  }
}
