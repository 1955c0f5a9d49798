package io.livepush.internal;

import io.livepush.CloseReason;
import io.livepush.EventId;
import io.livepush.LivePushException;
import io.livepush.Principal;
import io.livepush.RequestInfo;
import io.livepush.ResetReason;
import io.livepush.SlowConsumerPolicy;
import io.livepush.spi.LogSafe;
import io.livepush.spi.Session;
import io.livepush.spi.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.channel.ChannelPromise;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The core's side of a streaming connection. Everything mutable is confined to the channel's event loop. */
final class SessionImpl extends ChannelDuplexHandler implements Session {
  final Hub hub;
  final long id;
  final Channel channel;
  final Transport transport;
  final int transportIndex;
  final int loopIndex;
  /** Safe to read from any thread; slimmed once the connection is open (see retainRequestHeaders). */
  volatile RequestInfo request;
  final Principal principal;
  private final SubscriptionSet subscriptions = new SubscriptionSet();
  long lastWriteNanos;
  long lastReadNanos;
  long lastHeartbeatNanos;
  int loopSlot = -1;
  /** Written but not flushed; owned by {@link LoopState#markDirty}. */
  boolean dirty;
  final LoopState loop;
  /** Removed from the registry (by {@link Hub#onClosed}). */
  boolean deregistered;
  private boolean closed;
  CloseReason closeReason;
  /** The last blocking connection-listener call, so onClose follows onOpen; {@code null} without one. */
  java.util.concurrent.CompletableFuture<Void> listenerCalls;
  /** Subscriptions owing a slow-consumer reset or holding a conflated event; flushed once writable. */
  private boolean backlog;
  /**
   * An offset this connection is complete up to, for every topic it follows: each event at or below it was
   * written, or is covered by a reset written before anything else. Every reset carries it (see
   * {@link #resetPosition()}), so a client that resumes from a reset's id neither loses an event nor gets a
   * second reset. {@code -1} before the first subscribe.
   */
  private long complete = -1;

  SessionImpl(Hub hub, long id, Channel channel, Transport transport, int transportIndex, LoopState loop,
      RequestInfo request, Principal principal, long now) {
    this.hub = hub;
    this.loop = loop;
    this.id = id;
    this.channel = channel;
    this.transport = transport;
    this.transportIndex = transportIndex;
    this.loopIndex = loop.index;
    this.request = request;
    this.principal = principal;
    this.lastWriteNanos = now;
    this.lastReadNanos = now;
    this.lastHeartbeatNanos = now;
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public String transport() {
    return transport.name();
  }

  @Override
  public RequestInfo request() {
    return request;
  }

  @Override
  public Principal principal() {
    return principal;
  }

  @Override
  public Channel channel() {
    return channel;
  }

  @Override
  public EventId subscribe(Map<String, EventId> positions, String ref) {
    assert channel.eventLoop().inEventLoop();
    LinkedHashSet<String> fresh = new LinkedHashSet<>();
    for (String t : positions.keySet()) {
      if (!subscriptions.containsKey(t)) {
        fresh.add(t);
      }
    }
    int limit = hub.config.maxTopicsPerConnection();
    if (subscriptions.size() + fresh.size() > limit) {
      throw new LivePushException("a connection may follow at most " + limit + " topics", 400);
    }
    List<ResetReason> resetReasons = new ArrayList<>(0);
    LinkedHashSet<String> backfill = null;
    long backfillFrom = Long.MAX_VALUE;
    boolean resumed = false;
    boolean resumedLocally = false; // some topic resumed from this node's log (replayed, current or ahead)
    ReplayLog log = hub.log;
    EventId start;
    log.lock();
    try {
      start = log.headId();
      for (String name : fresh) {
        TopicLog topic = log.topicOrCreate(name);
        EventId from = positions.get(name);
        if (from != null && from.isEarliest()) {
          from = EventId.of(log.epoch(), topic.floor); // everything this topic still retains
        }
        long at = start.offset();
        ResetReason reset = null;
        boolean backfilled = false;
        if (from != null) {
          resumed = true;
          ReplayLog.Resume resume = log.check(topic, from);
          if (resume.reset == ResetReason.TOO_OLD && hub.bus() != null) {
            // the local log is a cache: the bus has the older history
            if (backfill == null) {
              backfill = new LinkedHashSet<>();
            }
            backfill.add(name);
            backfillFrom = Math.min(backfillFrom, from.offset());
            backfilled = true;
            at = from.offset();
          } else if (resume.reset == ResetReason.UNKNOWN_POSITION && hub.bus() != null
              && from.offset() - start.offset() <= MAX_AHEAD) {
            at = from.offset(); // seen on a node further along the shared log; skip events up to it
            resumedLocally = true;
          } else if (resume.reset != null) {
            reset = resume.reset;
            resetReasons.add(reset);
          } else {
            at = from.offset(); // the cursor replays what follows
            resumedLocally = true;
          }
        }
        Subscription s = new Subscription(this, topic, at, hub.slowConsumerPolicy(name));
        s.generation = log.generation();
        if (reset != null) {
          s.owedReset = reset;
        }
        if (backfilled) {
          s.logFrom = start.offset();
        }
        topic.addSubscriber(loopIndex, s);
        subscriptions.put(s);
      }
    } finally {
      log.unlock();
    }
    long lowest = Long.MAX_VALUE;
    for (String name : fresh) {
      lowest = Math.min(lowest, subscriptions.get(name).position);
    }
    if (lowest != Long.MAX_VALUE) {
      // The new topics are complete only up to where they resume: lower the connection's position.
      complete = complete < 0 ? lowest : Math.min(complete, lowest);
    }
    hub.stats.subscriptions(transportIndex, fresh.size());
    hub.presenceJoin(this, fresh);
    hub.stats.onSubscribe(resumed, resetReasons);
    if (resumedLocally) {
      hub.stats.resumesFromLog.increment();
    }
    if (backfill != null) {
      hub.stats.resumesFromBus.increment();
    }
    if (fresh.isEmpty()) {
      return start;
    }
    Replay r = beginReplay();
    r.markers.add(new Replay.Marker(List.copyOf(fresh), ref));
    if (backfill != null) {
      beginBackfill(r, backfill, EventId.of(start.epoch(), backfillFrom), start);
    }
    EventId position = pump(false);
    return position != null ? position : start;
  }

  // ---- replay: written within the outbound budget --------------------------------------------------------

  /** The replay this session still owes, or {@code null} when every subscription is live. */
  private Replay replay;

  /**
   * Puts every subscription in catch-up mode (see {@link Replay}). Conflated events and owed slow-consumer
   * resets become part of the replay, so offset order holds across the session's topics.
   */
  private Replay beginReplay() {
    if (replay != null) {
      return replay;
    }
    replay = new Replay();
    for (Subscription s : subscriptions) {
      if (s.dropping) {
        s.dropping = false;
        s.owedReset = ResetReason.SLOW_CONSUMER;
      }
      if (s.latest != null) {
        s.position = s.latest.offset - 1; // the cursor writes it again, or a reset if it left the log
        s.latest = null;
      }
    }
    backlog = false;
    channel.config().setAutoRead(false); // the next request waits for this one's answer
    return replay;
  }

  /**
   * Writes owed resets and replayed events while the channel is writable, then, once caught up, the markers;
   * returns the last marker's position when it caught up, else {@code null}. On the loop. Every write here
   * is admitted only while the channel's pending bytes are under the budget, so they never exceed it by more
   * than one event.
   */
  EventId pump(boolean notify) {
    EventId last = null;
    while (replay != null && !closed && !replay.awaitingBus) {
      if (!channel.isWritable()) {
        channel.flush();
        if (!channel.isWritable()) {
          return null;
        }
      }
      if (writeOwedResets()) {
        continue;
      }
      if (!channel.isWritable()) {
        continue;
      }
      Replay.Step step;
      long head;
      ReplayLog log = hub.log;
      log.lock();
      try {
        step = replay.take(log, subscriptions, subscriptions, transportIndex,
            Math.max(1, channel.bytesBeforeUnwritable()));
        head = log.head();
      } finally {
        log.unlock();
      }
      if (!step.entries.isEmpty()) {
        complete = Math.max(complete, step.entries.get(step.entries.size() - 1).offset); // in offset order
        writeEntries(step.entries);
        hub.stats.replayed(step.entries.size());
      }
      if (step.caughtUp && !hasOwedReset()) {
        Replay done = replay;
        replay = null;
        for (Replay.Marker m : done.markers) {
          last = Replay.markerPosition(hub.log.epoch(), m.topics(), subscriptions, head);
          complete = Math.max(complete, last.offset());
          writeMarker(m.topics(), last, m.ref());
        }
        channel.flush();
        if (channel.isWritable()) {
          channel.config().setAutoRead(true);
          if (notify) {
            // Transports wait on writability to serve requests held while the replay was owed.
            channel.pipeline().fireChannelWritabilityChanged();
          }
        }
        return last;
      }
    }
    channel.flush();
    return last;
  }

  /**
   * The position every reset carries: one this connection is complete up to for all its topics, so resuming from
   * it loses nothing and does not reset again (issue 12: a reset without a position sent a client cut after it
   * back to its previous id, a second reset, and events missed in between). Each topic is complete up to its own
   * position too, so the larger of the two bounds holds.
   */
  private EventId resetPosition() {
    long lowest = Long.MAX_VALUE;
    for (Subscription s : subscriptions) {
      lowest = Math.min(lowest, s.position);
    }
    return EventId.of(hub.log.epoch(), Math.max(complete, lowest == Long.MAX_VALUE ? 0 : lowest));
  }

  private boolean hasOwedReset() {
    for (Subscription s : subscriptions) {
      if (s.owedReset != null) {
        return true;
      }
    }
    return false;
  }

  /** Writes owed resets while writable; returns whether it wrote any. */
  private boolean writeOwedResets() {
    boolean wrote = false;
    for (Subscription s : subscriptions) {
      if (s.owedReset != null) {
        if (!channel.isWritable()) {
          return wrote;
        }
        hub.stats.reset(s.owedReset);
        write(transport.encodeReset(channel.alloc(), s.topic.name, s.owedReset, resetPosition()));
        s.owedReset = null;
        wrote = true;
      }
    }
    return wrote;
  }

  private void writeMarker(Collection<String> topics, EventId position, String ref) {
    if (!topics.isEmpty()) {
      ByteBuf marker = transport.encodeSubscribed(channel.alloc(), topics, position, ref);
      if (marker != null) {
        write(marker);
      }
      if (hub.config.presenceSnapshot()) {
        writePresenceSnapshots(topics);
      }
    }
  }

  /** After the marker: who is there now, for each presence-enabled topic just subscribed. */
  private void writePresenceSnapshots(Collection<String> topics) {
    for (String t : topics) {
      byte[] json = hub.presence().snapshotJson(t);
      if (json != null) {
        ByteBuf buf = transport.encodePresenceSnapshot(channel.alloc(), t, json);
        if (buf != null) {
          write(buf);
        }
      }
    }
  }

  /** Whether a replay is owed: live deliveries skip the session meanwhile. */
  boolean replaying() {
    return replay != null;
  }

  /** Whether a reply written now stays within the budget: writable and no replay owed. */
  @Override
  public boolean canWrite() {
    return !closed && replay == null && channel.isWritable();
  }

  // ---- resume through the cluster bus --------------------------------------------------------------------
  // While the history older than the local log is fetched, the replay waits (live deliveries skip the
  // session, as for any replay); then the history is written merged with the log in offset order.

  /**
   * With a bus, how far a resume id may be ahead of this node's log and still be taken as "seen on a node that
   * has read further" (nodes lag each other by milliseconds); further ahead is an unknown position (reset).
   */
  static final long MAX_AHEAD = 10_000;

  private void beginBackfill(Replay r, LinkedHashSet<String> topics, EventId from, EventId upTo) {
    r.awaitingBus = true;
    r.historyVoid = false;
    hub.bus().history(topics, from, upTo).whenComplete((history, error) ->
        channel.eventLoop().execute(() -> endBackfill(r, topics, upTo, history, error)));
  }

  private void endBackfill(Replay r, LinkedHashSet<String> topics, EventId upTo,
      io.livepush.spi.EventBus.History history, Throwable error) {
    if (replay != r) {
      return;
    }
    r.awaitingBus = false;
    if (closed || !channel.isActive()) {
      return;
    }
    if (error != null) {
      // The bus is unreachable: the client keeps its id and retries later rather than losing its place.
      Hub.LOG.warn("bus history for {} failed; closing so the client retries", this, LogSafe.throwable(error));
      close(CloseReason.INTERNAL_ERROR);
      return;
    }
    if (!r.historyVoid) {
      if (history.reset() != null) {
        for (String t : topics) {
          Subscription s = subscriptions.get(t);
          if (s != null) {
            s.owedReset = history.reset();
            s.position = Math.max(s.position, upTo.offset());
            s.logFrom = 0;
          }
        }
      } else {
        java.util.ArrayDeque<LogEntry> entries = new java.util.ArrayDeque<>(history.events().size());
        long now = hub.nanoTime();
        List<io.livepush.spi.PublishedEvent> events = new ArrayList<>(history.events());
        events.sort((a, b) -> Long.compare(a.id().offset(), b.id().offset()));
        for (io.livepush.spi.PublishedEvent ev : events) {
          Subscription s = subscriptions.get(ev.topic());
          if (s == null || !topics.contains(ev.topic()) || ev.id().offset() > upTo.offset()) {
            continue;
          }
          LogEntry e = new LogEntry(s.topic, ev.id(), ev.type(), ev.kind(), ev.payload(), now);
          e.encoded = hub.encode(e);
          entries.add(e);
        }
        r.history = entries;
      }
    }
    pump(true);
  }

  /**
   * The bus broke continuity (new epoch, or events lost before this node read them): every subscription made
   * before that owes a reset at {@code position}, written within the budget before its next event. On the
   * loop; posted under the log lock, so it runs between the last delivery before the break and the first after.
   */
  void busReset(ResetReason reason, EventId position, long generation) {
    if (closed) {
      return;
    }
    if (replay != null) {
      replay.historyVoid = true;
      replay.history = null;
    }
    boolean owed = false;
    for (Subscription s : subscriptions) {
      if (s.generation >= generation) {
        continue; // made after the break: already consistent with it
      }
      s.generation = generation;
      s.position = reason == ResetReason.EPOCH_CHANGED ? position.offset() : Math.max(s.position, position.offset());
      s.logFrom = 0;
      s.owedReset = reason;
      owed = true;
    }
    // Nothing after the break was delivered yet (this runs before the first delivery after it).
    complete = reason == ResetReason.EPOCH_CHANGED ? position.offset() : Math.max(complete, position.offset());
    if (!owed) {
      return;
    }
    if (replay != null) {
      pump(true);
    } else {
      backlog = true;
      onWritable();
    }
  }

  /** Writes {@code entries} in one buffer (the caller bounds their size). */
  private void writeEntries(List<LogEntry> entries) {
    int total = 0;
    for (LogEntry e : entries) {
      total += e.encoded[transportIndex].length;
    }
    ByteBuf buf = channel.alloc().directBuffer(total);
    for (LogEntry e : entries) {
      buf.writeBytes(e.encoded[transportIndex]);
    }
    hub.stats.bytesWritten.add(total);
    write(buf);
  }

  @Override
  public void write(ByteBuf buf) {
    if (closed) {
      buf.release();
      return;
    }
    lastWriteNanos = hub.nanoTime();
    channel.write(buf, channel.voidPromise());
  }

  /**
   * Delivers one live event of {@code s}, taking ownership of {@code buf}; the flush follows once the loop's
   * queued deliveries have run. When the connection is over its outbound budget (not writable, counting the
   * batch's unflushed bytes) the subscription's {@link SlowConsumerPolicy} decides: close (the client resumes
   * from the log), skip and owe a reset, or keep only this newest event. Returns whether it was written.
   */
  boolean deliver(Subscription s, LogEntry entry, ByteBuf buf) {
    if (closed || replay != null) {
      buf.release(); // a replay owed reads this event from the log in its turn
      return false;
    }
    // Deliveries run in offset order: written, dropped (a reset is owed) or conflated, it is dealt with.
    complete = Math.max(complete, entry.offset);
    if (!channel.isWritable()) {
      // Unflushed bytes of this batch count against the budget too: flush them before judging the client.
      channel.flush();
    }
    if (backlog && channel.isWritable()) {
      // Owed resets and conflated events precede this one, keeping offset order per connection.
      drainBacklog();
    }
    if (!channel.isWritable() || backlog) {
      buf.release();
      switch (s.policy) {
        case DROP_WITH_RESET -> {
          if (!s.dropping) {
            s.dropping = true;
            backlog = true;
            hub.stats.slowConsumer(SlowConsumerPolicy.DROP_WITH_RESET);
          }
          hub.stats.dropped.increment();
        }
        case KEEP_LATEST -> {
          if (s.latest == null) {
            hub.stats.slowConsumer(SlowConsumerPolicy.KEEP_LATEST);
          } else {
            hub.stats.conflated.increment();
          }
          s.latest = entry;
          backlog = true;
        }
        default -> {
          hub.stats.slowConsumer(SlowConsumerPolicy.DISCONNECT);
          close(CloseReason.SLOW_CONSUMER);
        }
      }
      return false;
    }
    lastWriteNanos = hub.nanoTime();
    channel.write(buf, channel.voidPromise());
    loop.markDirty(this);
    return true;
  }

  /**
   * First in the pipeline. Not writable: stop reading (a client that does not read its answers gets no more
   * requests served) and start the stall clock. Writable again: write what is owed (replay, resets,
   * conflated events) within the budget, then read again once nothing is owed.
   */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      unwritableSinceNanos = 0;
      onWritable();
      if (replay == null && channel.isWritable() && !closed) {
        channel.config().setAutoRead(true);
      }
    } else {
      if (unwritableSinceNanos == 0) {
        unwritableSinceNanos = Math.max(1, hub.nanoTime());
      }
      channel.config().setAutoRead(false);
    }
    ctx.fireChannelWritabilityChanged();
  }

  /** Since when the channel has been over its budget without draining below the low mark; 0 when writable. */
  long unwritableSinceNanos;
  /** The most bytes this connection ever had pending; see {@link #peakPendingOutboundBytes()}. */
  private volatile long peakPending;

  /** Every write of every handler passes here last (this handler is first): measures the pending bytes. */
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    ctx.write(msg, promise);
    long p = pendingOutboundBytes();
    if (p > peakPending) {
      peakPending = p;
    }
  }

  @Override
  public long pendingOutboundBytes() {
    if (channel instanceof Http2StreamChannel) {
      // An HTTP/2 stream has no outbound buffer: its pending bytes are the DATA frames flow control holds, and
      // only their distance to the water marks is visible.
      WriteBufferWaterMark m = channel.config().getWriteBufferWaterMark();
      return channel.isWritable() ? Math.max(0, m.high() + 1 - channel.bytesBeforeUnwritable())
          : m.low() - 1 + channel.bytesBeforeWritable();
    }
    ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    return out == null ? 0 : out.totalPendingWriteBytes();
  }

  @Override
  public long peakPendingOutboundBytes() {
    return peakPending;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    hub.onClosed(this);
    ctx.fireChannelInactive();
  }

  void onWritable() {
    if (closed || !channel.isWritable()) {
      return;
    }
    if (replay != null) {
      pump(false);
    } else if (backlog) {
      drainBacklog();
      channel.flush();
    }
  }

  /**
   * Writes the resets owed (slow consumer, bus) and then the conflated events in offset order, each only while
   * the channel is writable; what does not fit stays owed.
   */
  private void drainBacklog() {
    for (Subscription s : subscriptions) {
      if (!channel.isWritable()) {
        return;
      }
      if (s.dropping) {
        s.dropping = false;
        hub.stats.reset(ResetReason.SLOW_CONSUMER);
        write(transport.encodeReset(channel.alloc(), s.topic.name, ResetReason.SLOW_CONSUMER, resetPosition()));
      }
    }
    if (writeOwedResets() && !channel.isWritable()) {
      return;
    }
    if (hasOwedReset()) {
      return;
    }
    List<Subscription> latest = null;
    for (Subscription s : subscriptions) {
      if (s.latest != null) {
        if (latest == null) {
          latest = new ArrayList<>();
        }
        latest.add(s);
      }
    }
    if (latest != null) {
      latest.sort((a, b) -> Long.compare(a.latest.offset, b.latest.offset));
      for (Subscription s : latest) {
        if (!channel.isWritable()) {
          return;
        }
        writeEntries(List.of(s.latest));
        s.latest = null;
        hub.stats.delivered.increment();
      }
    }
    backlog = false;
  }

  @Override
  public void flush() {
    channel.flush();
  }

  void writeHeartbeat(long now) {
    lastHeartbeatNanos = now;
    if (!channel.isWritable()) {
      return; // output is pending anyway; more bytes would only grow a stalled client's backlog
    }
    write(transport.encodeHeartbeat(channel.alloc()));
    channel.flush();
  }

  @Override
  public boolean unsubscribe(String topic) {
    Subscription s = subscriptions.remove(topic);
    if (s == null) {
      return false;
    }
    hub.log.lock();
    try {
      s.topic.removeSubscriber(loopIndex, s);
    } finally {
      hub.log.unlock();
    }
    hub.stats.subscriptions(transportIndex, -1);
    hub.presenceLeave(this, List.of(topic));
    return true;
  }

  /** Drops every subscription; called once the channel is closed. */
  void unsubscribeAll() {
    if (subscriptions.isEmpty()) {
      return;
    }
    hub.log.lock();
    try {
      for (Subscription s : subscriptions) {
        s.topic.removeSubscriber(loopIndex, s);
      }
    } finally {
      hub.log.unlock();
    }
    hub.stats.subscriptions(transportIndex, -subscriptions.size());
    List<String> names = subscriptions.names();
    subscriptions.clear();
    hub.presenceLeave(this, names);
  }

  @Override
  public Set<String> topics() {
    return Set.copyOf(subscriptions.names());
  }

  @Override
  public void markRead() {
    lastReadNanos = hub.nanoTime();
  }

  @Override
  public void close(CloseReason reason) {
    if (closed) {
      return;
    }
    closed = true;
    closeReason = reason;
    if (reason == CloseReason.SLOW_CONSUMER && channel instanceof Http2StreamChannel) {
      Http2StreamBytes bytes = channel.pipeline().get(Http2StreamBytes.class);
      if (bytes != null) {
        bytes.abort(); // its backlog may never drain: RST_STREAM, not END_STREAM behind it
      }
    }
    try {
      transport.close(this, reason);
    } catch (RuntimeException e) {
      Hub.LOG.warn("transport {} failed to close {}", transport.name(), channel, LogSafe.throwable(e));
      channel.close();
    }
  }

  /** The sweep found the connection over its budget for too long (see {@link LoopState#sweep}). */
  void stalled() {
    hub.stats.slowConsumerDisconnect();
    close(CloseReason.SLOW_CONSUMER);
  }

  /** Marks the session closed when the channel closed underneath it. */
  void markClosed() {
    closed = true;
  }

  @Override
  public CloseReason closeReason() {
    if (closeReason != null) {
      return closeReason;
    }
    return isClosed() ? CloseReason.CLIENT_CLOSED : null;
  }

  @Override
  public boolean isClosed() {
    return closed || !channel.isActive();
  }

  @Override
  public String toString() {
    return "Session{id=" + id + ", transport=" + transport.name() + ", request=" + request + '}';
  }
}
