package io.livepush.internal;

import io.livepush.CloseReason;
import io.livepush.EventId;
import io.livepush.LivePushException;
import io.livepush.ResetReason;
import io.livepush.spi.LogSafe;
import io.livepush.spi.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A session's topics: subscribing (resume position, replay from the log or the bus), the replay written within
 * the outbound budget, resets and their position, presence snapshots. A layer of the session's one object (see
 * {@link SessionBase}). Confined to the channel's event loop.
 */
abstract class SessionSubscriptions extends SessionBase {
  /** The first of the topics followed, linked through {@link Subscription#next}; {@code null} for none. */
  Subscription subscriptions;
  /**
   * An offset this connection is complete up to, for every topic it follows: each event at or below it was
   * written, or is covered by a reset written before anything else. Every reset carries it (see
   * {@link #resetPosition()}), so a client that resumes from a reset's id neither loses an event nor gets a
   * second reset. {@code -1} before the first subscribe.
   */
  long complete = -1;

  SessionSubscriptions(Hub hub, long id, Channel channel, Transport transport, int transportIndex, LoopState loop) {
    super(hub, id, channel, transport, transportIndex, loop);
  }

  /** The owed resets and conflated events were folded into a replay: nothing is owed outside it. */
  abstract void clearBacklog();

  /** Resets became owed outside a replay: write them (and what else is owed) within the budget. */
  abstract void owesBacklog();

  /** Bytes that may still be written before the connection is over its budget; see SessionOutbound. */
  abstract long bytesBeforeOverBudget();

  /** The session itself; the only concrete layer is {@link SessionImpl}. */
  private SessionImpl self() {
    return (SessionImpl) this;
  }

  @Override
  public EventId subscribe(Map<String, EventId> positions, String ref) {
    assert channel.eventLoop().inEventLoop();
    LinkedHashSet<String> fresh = new LinkedHashSet<>();
    for (String t : positions.keySet()) {
      if (Subscription.find(subscriptions, t) == null) {
        fresh.add(t);
      }
    }
    int limit = hub.config.maxTopicsPerConnection();
    if (topicNames().size() + fresh.size() > limit) {
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
        Subscription s = new Subscription(self(), topic, at, hub.slowConsumerPolicy(name));
        s.generation = log.generation();
        if (reset != null) {
          s.owedReset = reset;
        }
        if (backfilled) {
          s.logFrom = start.offset();
        }
        topic.addSubscriber(loop.index, s);
        link(s);
      }
    } finally {
      log.unlock();
    }
    long lowest = Long.MAX_VALUE;
    for (String name : fresh) {
      lowest = Math.min(lowest, Subscription.find(subscriptions, name).position);
    }
    if (lowest != Long.MAX_VALUE) {
      // The new topics are complete only up to where they resume: lower the connection's position.
      complete = complete < 0 ? lowest : Math.min(complete, lowest);
    }
    hub.stats.subscriptions(transportIndex, fresh.size());
    hub.presenceJoin(self(), fresh);
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
    for (Subscription s = subscriptions; s != null; s = s.next) {
      if (s.dropping) {
        s.dropping = false;
        s.owedReset = ResetReason.SLOW_CONSUMER;
      }
      if (s.latest != null) {
        s.position = s.latest.offset - 1; // the cursor writes it again, or a reset if it left the log
        s.latest = null;
      }
    }
    clearBacklog();
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
          return last;
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
        step = replay.take(log, subscriptions, transportIndex,
            Math.max(1, bytesBeforeOverBudget()));
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
        for (Replay.Marker m : replay.markers) {
          last = Replay.markerPosition(hub.log.epoch(), m.topics(), subscriptions, head);
          complete = Math.max(complete, last.offset());
          writeMarker(m.topics(), last, m.ref());
        }
        replay.markers.clear();
        if (!writeOwedSnapshots()) {
          continue; // over budget: the rest waits for writability, still in catch-up mode
        }
        replay = null;
        channel.flush();
        if (channel.isWritable()) {
          resumeReading();
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
  EventId resetPosition() {
    long lowest = Long.MAX_VALUE;
    for (Subscription s = subscriptions; s != null; s = s.next) {
      lowest = Math.min(lowest, s.position);
    }
    return EventId.of(hub.log.epoch(), Math.max(complete, lowest == Long.MAX_VALUE ? 0 : lowest));
  }

  boolean hasOwedReset() {
    for (Subscription s = subscriptions; s != null; s = s.next) {
      if (s.owedReset != null) {
        return true;
      }
    }
    return false;
  }

  /** Writes owed resets while writable; returns whether it wrote any. */
  boolean writeOwedResets() {
    boolean wrote = false;
    for (Subscription s = subscriptions; s != null; s = s.next) {
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
        replay.snapshots.addAll(topics); // after the marker, within the budget
      }
    }
  }

  /**
   * Writes the owed presence snapshots (who is there now, for each presence-enabled topic just subscribed) while
   * the connection is under its budget, like an event: one snapshot may cross it. Returns whether none is left.
   * Each is made when written, so a snapshot that waited for the client shows the members of that moment.
   */
  private boolean writeOwedSnapshots() {
    java.util.ArrayDeque<String> owed = replay.snapshots;
    while (!owed.isEmpty()) {
      if (!channel.isWritable()) {
        channel.flush();
        if (!channel.isWritable()) {
          return false;
        }
      }
      String t = owed.poll();
      byte[] json = hub.presence().snapshotJson(t);
      if (json != null) {
        ByteBuf buf = transport.encodePresenceSnapshot(channel.alloc(), t, json);
        if (buf != null) {
          write(buf);
        }
      }
    }
    return true;
  }

  /** Writes {@code entries} in one buffer; see {@link SessionOutbound}. */
  abstract void writeEntries(List<LogEntry> entries);

  /** Whether a replay is owed: live deliveries skip the session meanwhile. */
  boolean replaying() {
    return replay != null;
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
          Subscription s = Subscription.find(subscriptions, t);
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
          Subscription s = Subscription.find(subscriptions, ev.topic());
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
    for (Subscription s = subscriptions; s != null; s = s.next) {
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
      owesBacklog();
    }
  }

  @Override
  public boolean unsubscribe(String topic) {
    Subscription s = unlink(topic);
    if (s == null) {
      return false;
    }
    hub.log.lock();
    try {
      s.topic.removeSubscriber(loop.index, s);
    } finally {
      hub.log.unlock();
    }
    hub.stats.subscriptions(transportIndex, -1);
    hub.presenceLeave(self(), List.of(topic));
    return true;
  }

  /** Drops every subscription; called once the channel is closed. */
  void unsubscribeAll() {
    if (subscriptions == null) {
      return;
    }
    hub.log.lock();
    try {
      for (Subscription s = subscriptions; s != null; s = s.next) {
        s.topic.removeSubscriber(loop.index, s);
      }
    } finally {
      hub.log.unlock();
    }
    List<String> names = topicNames();
    hub.stats.subscriptions(transportIndex, -names.size());
    subscriptions = null;
    hub.presenceLeave(self(), names);
  }

  @Override
  public Set<String> topics() {
    return Set.copyOf(topicNames());
  }

  /** The topics followed, in subscription order (a count costs a walk: no field per connection for it). */
  private List<String> topicNames() {
    List<String> names = new ArrayList<>();
    for (Subscription s = subscriptions; s != null; s = s.next) {
      names.add(s.topic.name);
    }
    return names;
  }

  /** Appends {@code s} (its topic is not followed yet), so the list keeps subscription order. */
  private void link(Subscription s) {
    if (subscriptions == null) {
      subscriptions = s;
    } else {
      Subscription last = subscriptions;
      while (last.next != null) {
        last = last.next;
      }
      last.next = s;
    }
  }

  /** Removes and returns the subscription to {@code topic}, or {@code null}. */
  private Subscription unlink(String topic) {
    Subscription prev = null;
    for (Subscription s = subscriptions; s != null; prev = s, s = s.next) {
      if (s.topic.name.equals(topic)) {
        if (prev == null) {
          subscriptions = s.next;
        } else {
          prev.next = s.next;
        }
        return s; // s.next kept: a loop standing on s when it leaves still reaches the rest
      }
    }
    return null;
  }
}
