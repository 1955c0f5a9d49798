package io.livepush.internal;

import io.livepush.CapacityExceededException;
import io.livepush.CloseReason;
import io.livepush.ConnectionListener;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushConfig;
import io.livepush.RequestInfo;
import io.livepush.spi.Session;
import io.livepush.spi.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
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

  final LivePushConfig config;
  final ReplayLog log;
  final Stats stats = new Stats();
  private final Transport[] transports;
  private final LoopState[] loops;
  private final IdentityHashMap<EventExecutor, LoopState> loopByExecutor = new IdentityHashMap<>();
  private final List<ConnectionListener> listeners;
  private final LongSupplier nanoClock;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicLong sessionIds = new AtomicLong();
  private final List<ScheduledFuture<?>> timers = new ArrayList<>();

  public Hub(LivePushConfig config, List<EventLoop> eventLoops, long epoch, LongSupplier nanoClock) {
    this.config = config;
    this.transports = config.transports().toArray(new Transport[0]);
    this.listeners = config.connectionListeners();
    this.nanoClock = nanoClock;
    this.loops = new LoopState[eventLoops.size()];
    for (int i = 0; i < loops.length; i++) {
      loops[i] = new LoopState(i, eventLoops.get(i));
      loopByExecutor.put(eventLoops.get(i), loops[i]);
    }
    this.log = new ReplayLog(config.replay(), epoch, loops.length, nanoClock);
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
      TopicLog t = e.topic;
      if (t.totalSubscribers > 0) {
        for (int i = 0; i < loops.length; i++) {
          if (t.counts[i] > 0) {
            loops[i].loop.execute(new Delivery(this, t, e, i));
          }
        }
      }
    } finally {
      log.unlock();
    }
    stats.published.increment();
    return e.id;
  }

  private byte[][] encode(LogEntry e) {
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
      ArrayList<Subscription> list = topic.subscribers[loop];
      if (list == null) {
        return;
      }
      ByteBuf[] shared = new ByteBuf[hub.transports.length];
      int delivered = 0;
      try {
        // Downwards: a subscriber removed mid-loop (swap-remove) never causes another to be skipped; the
        // position check stops the swapped-in one from receiving the event twice.
        for (int i = list.size() - 1; i >= 0; i--) {
          if (i >= list.size()) {
            continue;
          }
          Subscription s = list.get(i);
          if (entry.offset <= s.position) {
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
          if (session.deliver(buf.retainedDuplicate())) {
            delivered++;
          }
        }
      } finally {
        for (ByteBuf b : shared) {
          if (b != null) {
            b.release();
          }
        }
        hub.stats.delivered.add(delivered);
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
    for (;;) {
      int n = connections.get();
      if (n >= config.maxConnections()) {
        throw new CapacityExceededException("server holds its maximum of " + config.maxConnections()
            + " connections", (int) Math.max(1, config.retry().toSeconds()));
      }
      if (connections.compareAndSet(n, n + 1)) {
        return;
      }
    }
  }

  public void releaseAdmission() {
    connections.decrementAndGet();
  }

  /** Registers an admitted channel as a session; on the channel's loop. */
  public Session openSession(Channel channel, Transport transport, int transportIndex, RequestInfo request) {
    LoopState loop = loopByExecutor.get(channel.eventLoop());
    if (loop == null) {
      throw new IllegalStateException("channel is not served by this server's event loops: " + channel);
    }
    assert loop.loop.inEventLoop();
    SessionImpl s = new SessionImpl(this, sessionIds.incrementAndGet(), channel, transport, transportIndex,
        loop.index, request, nanoTime());
    loop.add(s);
    channel.closeFuture().addListener(f -> onClosed(loop, s));
    for (ConnectionListener l : listeners) {
      try {
        l.onOpen(s);
      } catch (RuntimeException e) {
        LOG.warn("connection listener failed in onOpen", e);
      }
    }
    return s;
  }

  private void onClosed(LoopState loop, SessionImpl s) {
    s.markClosed();
    loop.remove(s);
    s.unsubscribeAll();
    connections.decrementAndGet();
    CloseReason reason = s.closeReason != null ? s.closeReason : CloseReason.CLIENT_CLOSED;
    for (ConnectionListener l : listeners) {
      try {
        l.onClose(s, reason);
      } catch (RuntimeException e) {
        LOG.warn("connection listener failed in onClose", e);
      }
    }
  }

  /**
   * Closes every session with {@code reason}; each on its own loop. The future completes once every one of
   * those channels has closed, so a caller can let goodbyes (WebSocket close handshakes) finish before the
   * loops stop.
   */
  public java.util.concurrent.CompletableFuture<Void> closeAll(CloseReason reason) {
    List<java.util.concurrent.CompletableFuture<Void>> done = new ArrayList<>();
    for (LoopState l : loops) {
      java.util.concurrent.CompletableFuture<Void> loopDone = new java.util.concurrent.CompletableFuture<>();
      done.add(loopDone);
      l.loop.execute(() -> {
        List<SessionImpl> sessions = new ArrayList<>(l.sessions);
        AtomicInteger open = new AtomicInteger(sessions.size() + 1);
        Runnable closedOne = () -> {
          if (open.decrementAndGet() == 0) {
            loopDone.complete(null);
          }
        };
        for (SessionImpl s : sessions) {
          s.channel.closeFuture().addListener(f -> closedOne.run());
          s.close(reason);
        }
        closedOne.run();
      });
    }
    return java.util.concurrent.CompletableFuture.allOf(done.toArray(new java.util.concurrent.CompletableFuture[0]));
  }
}
