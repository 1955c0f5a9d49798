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
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The core's side of a streaming connection. Everything mutable is confined to the channel's event loop. */
final class SessionImpl extends ChannelInboundHandlerAdapter implements Session {
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
  /** Subscriptions owing a slow-consumer reset or holding a conflated event; flushed once writable. */
  private boolean backlog;

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
  public EventId subscribe(Map<String, EventId> positions) {
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
    List<String> resetTopics = new ArrayList<>(0);
    List<ResetReason> resetReasons = new ArrayList<>(0);
    List<List<LogEntry>> replays = new ArrayList<>(0);
    // With a bus, topics whose history has left this node's log (the log is a cache): topic -> resume offset.
    Map<String, Long> backfill = null;
    ReplayLog log = hub.log;
    EventId start;
    long marker = Long.MAX_VALUE;
    boolean resumed = false;
    boolean resumedLocally = false; // some topic resumed from this node's log (replayed, current or ahead)
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
        if (from != null) {
          resumed = true;
          ReplayLog.Resume resume = log.resume(topic, from);
          if (resume.reset == ResetReason.TOO_OLD && hub.bus() != null) {
            if (backfill == null) {
              backfill = new HashMap<>();
            }
            backfill.put(name, from.offset());
          } else if (resume.reset == ResetReason.UNKNOWN_POSITION && hub.bus() != null
              && from.offset() - start.offset() <= MAX_AHEAD) {
            // Seen on a node further along the shared log; this node has not read that far yet. The
            // subscription starts at the client's position and skips events up to it when they arrive.
            at = from.offset();
            resumedLocally = true;
          } else if (resume.reset != null) {
            resetTopics.add(name);
            resetReasons.add(resume.reset);
          } else {
            resumedLocally = true;
            if (!resume.events.isEmpty()) {
              replays.add(resume.events);
            }
          }
        }
        // The marker says "every new subscription has its topic up to here": the lowest start among them.
        marker = Math.min(marker, at);
        Subscription s = new Subscription(this, topic, at, hub.slowConsumerPolicy(name));
        s.generation = log.generation();
        topic.addSubscriber(loopIndex, s);
        subscriptions.put(s);
      }
    } finally {
      log.unlock();
    }
    EventId position = marker == Long.MAX_VALUE ? start : EventId.of(start.epoch(), marker);
    hub.stats.subscriptions(transportIndex, fresh.size());
    hub.presenceJoin(this, fresh);
    hub.stats.onSubscribe(resumed, resetReasons);
    if (resumedLocally) {
      hub.stats.resumesFromLog.increment();
    }
    if (backfill != null) {
      hub.stats.resumesFromBus.increment();
    }
    for (int i = 0; i < resetTopics.size(); i++) {
      write(transport.encodeReset(channel.alloc(), resetTopics.get(i), resetReasons.get(i), start));
    }
    List<LogEntry> replay = Hub.mergeByOffset(replays);
    if (backfill != null) {
      beginBackfill(fresh, backfill, replay, start, position);
      channel.flush();
      return position;
    }
    if (!replay.isEmpty()) {
      writeEntries(replay);
      hub.stats.replayed(replay.size());
    }
    writeMarker(fresh, position);
    channel.flush();
    return position;
  }

  private void writeMarker(Collection<String> topics, EventId position) {
    if (!topics.isEmpty()) {
      ByteBuf marker = transport.encodeSubscribed(channel.alloc(), topics, position);
      if (marker != null) {
        write(marker);
      }
    }
  }

  // ---- resume through the cluster bus --------------------------------------------------------------------
  // While the history older than the local log is fetched, every live delivery to this session is queued
  // (bounded) instead of written; then: history, "subscribed" marker, queued events. So the order stays
  // resets -> replay -> marker -> live, as for a local resume.

  /**
   * With a bus, how far a resume id may be ahead of this node's log and still be taken as "seen on a node that
   * has read further" (nodes lag each other by milliseconds); further ahead is an unknown position (reset).
   */
  static final long MAX_AHEAD = 10_000;

  /** Live events queued for this session while {@link #holding}; bounded by {@link #MAX_HELD}. */
  static final int MAX_HELD = 10_000;
  boolean holding;
  private java.util.ArrayDeque<LogEntry> held;
  /** A bus reset arrived while holding: the history being fetched is void. */
  private boolean backfillVoid;

  /**
   * Fetches from the bus the history of the topics in {@code from} (topic -> offset it resumes after) up to
   * {@code upTo}, holding live deliveries meanwhile; {@code local} is the replay of the other topics, merged
   * with that history in offset order once it arrives.
   */
  private void beginBackfill(LinkedHashSet<String> topics, Map<String, Long> from, List<LogEntry> local,
      EventId upTo, EventId marker) {
    holding = true;
    held = new java.util.ArrayDeque<>();
    backfillVoid = false;
    long after = Long.MAX_VALUE;
    for (long o : from.values()) {
      after = Math.min(after, o);
    }
    hub.bus().history(from.keySet(), EventId.of(upTo.epoch(), after), upTo).whenComplete((history, error) ->
        channel.eventLoop().execute(() -> endBackfill(topics, from, local, upTo, marker, history, error)));
  }

  /** Queues a live event; on the loop, while {@link #holding}. */
  void hold(LogEntry e) {
    if (held == null || closed) {
      return;
    }
    if (held.size() >= MAX_HELD) {
      held.clear();
      hub.stats.slowConsumerDisconnect();
      close(CloseReason.SLOW_CONSUMER); // the client resumes from its last id later
      return;
    }
    held.addLast(e);
  }

  private void endBackfill(LinkedHashSet<String> topics, Map<String, Long> from, List<LogEntry> local,
      EventId upTo, EventId marker, io.livepush.spi.EventBus.History history, Throwable error) {
    holding = false;
    java.util.ArrayDeque<LogEntry> queued = held;
    held = null;
    if (closed || !channel.isActive()) {
      return;
    }
    if (error != null) {
      // The bus is unreachable: the client keeps its id and retries later rather than losing its place.
      Hub.LOG.warn("bus history for {} failed; closing so the client retries", this, LogSafe.throwable(error));
      close(CloseReason.INTERNAL_ERROR);
      return;
    }
    if (!backfillVoid) {
      List<LogEntry> entries = new ArrayList<>(history.events().size());
      if (history.reset() != null) {
        for (String t : from.keySet()) {
          hub.stats.reset(history.reset());
          write(transport.encodeReset(channel.alloc(), t, history.reset(), upTo));
        }
      } else {
        long now = hub.nanoTime();
        for (io.livepush.spi.PublishedEvent ev : history.events()) {
          Subscription s = subscriptions.get(ev.topic());
          Long after = from.get(ev.topic());
          if (s == null || after == null || ev.id().offset() <= after || ev.id().offset() > upTo.offset()) {
            continue;
          }
          LogEntry e = new LogEntry(s.topic, ev.id(), ev.type(), ev.kind(), ev.payload(), now);
          e.encoded = hub.encode(e);
          entries.add(e);
        }
      }
      List<LogEntry> all = Hub.mergeByOffset(List.of(local, entries));
      if (!all.isEmpty()) {
        writeEntries(all);
        hub.stats.replayed(all.size());
      }
    }
    writeMarker(topics, marker);
    for (LogEntry e : queued) {
      Subscription s = subscriptions.get(e.topic.name);
      if (s != null && e.offset > s.position) {
        s.position = e.offset;
        write(channel.alloc().directBuffer(e.encoded[transportIndex].length)
            .writeBytes(e.encoded[transportIndex]));
      }
    }
    channel.flush();
  }

  /**
   * The bus broke continuity (new epoch, or events lost before this node read them): every subscription made
   * before that gets a reset at {@code position}. On the loop; posted under the log lock, so it runs between
   * the last delivery before the break and the first after it.
   */
  void busReset(ResetReason reason, EventId position, long generation) {
    if (closed) {
      return;
    }
    if (holding) {
      backfillVoid = true;
      held.clear();
    }
    boolean wrote = false;
    for (Subscription s : subscriptions) {
      if (s.generation >= generation) {
        continue; // made after the break: already consistent with it
      }
      s.generation = generation;
      s.position = reason == ResetReason.EPOCH_CHANGED ? position.offset() : Math.max(s.position, position.offset());
      write(transport.encodeReset(channel.alloc(), s.topic.name, reason, position));
      wrote = true;
    }
    if (wrote) {
      channel.flush();
    }
  }

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
    if (closed) {
      buf.release();
      return false;
    }
    if (!channel.isWritable()) {
      // Unflushed bytes of this batch count against the budget too: flush them before judging the client.
      channel.flush();
    }
    if (!channel.isWritable()) {
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
    if (backlog) {
      // Owed resets and conflated events precede this one, keeping offset order per connection.
      drainBacklog();
    }
    lastWriteNanos = hub.nanoTime();
    channel.write(buf, channel.voidPromise());
    loop.markDirty(this);
    return true;
  }

  /**
   * Called when the channel became writable again: writes the resets owed by dropping subscriptions, then the
   * conflated events in offset order, and flushes.
   */
  /** First in the pipeline: the channel drained below its low water mark. */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      onWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    hub.onClosed(this);
    ctx.fireChannelInactive();
  }

  void onWritable() {
    if (backlog && !closed && channel.isWritable()) {
      drainBacklog();
      channel.flush();
    }
  }

  private void drainBacklog() {
    backlog = false;
    List<LogEntry> latest = null;
    for (Subscription s : subscriptions) {
      if (s.dropping) {
        s.dropping = false;
        hub.stats.reset(ResetReason.SLOW_CONSUMER);
        write(transport.encodeReset(channel.alloc(), s.topic.name, ResetReason.SLOW_CONSUMER,
            EventId.of(hub.log.epoch(), s.position)));
      }
      if (s.latest != null) {
        if (latest == null) {
          latest = new ArrayList<>();
        }
        latest.add(s.latest);
        s.latest = null;
      }
    }
    if (latest != null) {
      latest.sort((a, b) -> Long.compare(a.offset, b.offset));
      writeEntries(latest);
      hub.stats.delivered.add(latest.size());
    }
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
    try {
      transport.close(this, reason);
    } catch (RuntimeException e) {
      Hub.LOG.warn("transport {} failed to close {}", transport.name(), channel, LogSafe.throwable(e));
      channel.close();
    }
  }

  /** Marks the session closed when the channel closed underneath it. */
  void markClosed() {
    closed = true;
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
