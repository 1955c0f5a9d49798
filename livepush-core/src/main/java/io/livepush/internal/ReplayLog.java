package io.livepush.internal;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.ReplayConfig;
import io.livepush.ResetReason;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The replay log shared by every transport: one offset sequence and one epoch for all topics, with each topic's
 * recent events kept in a bounded deque.
 *
 * <p>Offsets come from one counter, so the order of offsets is the order in which the hub hands events to
 * event loops (both happen under {@link #lock}). Bounds: {@link ReplayConfig}. A FIFO over all entries serves
 * the total-bytes and age bounds; entries a topic drops early are marked and compacted away from the FIFO once
 * they are more than half of it, so it never holds more than about twice the live entries.
 *
 * <p>All methods except {@link #lock()}/{@link #unlock()}/{@link #expire()} must be called with the lock held.
 */
public final class ReplayLog {
  private final ReentrantLock lock = new ReentrantLock();
  private final ReplayConfig config;
  private final LongSupplier nanoClock;
  /** Changes only through {@link #rebase} (a cluster bus lost its history); read without the lock. */
  private volatile long epoch;
  private final int loops;
  private final long maxAgeNanos;
  private final HashMap<String, TopicLog> topics = new HashMap<>();
  private final ArrayDeque<LogEntry> fifo = new ArrayDeque<>();
  private long head;
  /**
   * The head when a topic was last forgotten. A topic created afterwards cannot have had events at or before
   * this offset that a client might miss, so it vouches for everything above it: topics never forgotten need
   * no reset.
   */
  private long forgottenFloor;
  /** The latest publish time of an event at or below {@link #forgottenFloor} (see {@link TopicLog#floorNanos}). */
  private long forgottenFloorNanos;
  private long totalBytes;
  private int deadInFifo;
  /** Bumped by {@link #rebase} and {@link #skipTo}; subscriptions remember the value they were made under. */
  private long generation;

  public ReplayLog(ReplayConfig config, long epoch, int loops, LongSupplier nanoClock) {
    this.config = config;
    this.epoch = epoch;
    this.loops = loops;
    this.nanoClock = nanoClock;
    this.maxAgeNanos = config.maxAge().toNanos();
  }

  public void lock() {
    lock.lock();
  }

  public void unlock() {
    lock.unlock();
  }

  public long epoch() {
    return epoch;
  }

  /** The last offset assigned; {@code 0} before the first publish. */
  long head() {
    return head;
  }

  EventId headId() {
    return EventId.of(epoch, head);
  }

  long totalBytes() {
    return totalBytes;
  }

  int fifoSize() {
    return fifo.size();
  }

  int topicCount() {
    return topics.size();
  }

  TopicLog topic(String name) {
    return topics.get(name);
  }

  TopicLog topicOrCreate(String name) {
    TopicLog t = topics.get(name);
    if (t == null) {
      t = new TopicLog(name, forgottenFloor, forgottenFloorNanos, loops, nanoClock.getAsLong());
      topics.put(name, t);
    }
    return t;
  }

  /**
   * Assigns the next offset and appends. {@code encoder} turns the new entry into its per-transport wire bytes.
   */
  LogEntry append(String topicName, String type, Event.Kind kind, byte[] payload,
      Function<LogEntry, byte[][]> encoder) {
    TopicLog topic = topicOrCreate(topicName);
    return add(topic, EventId.of(epoch, ++head), type, kind, payload, encoder);
  }

  /**
   * Appends an event whose id a cluster bus assigned. Returns {@code null} and ignores it when it is not after
   * the head of this epoch (a duplicate the bus re-delivered).
   */
  LogEntry appendAt(String topicName, EventId id, String type, Event.Kind kind, byte[] payload,
      Function<LogEntry, byte[][]> encoder) {
    if (id.epoch() != epoch || id.offset() <= head) {
      return null;
    }
    TopicLog topic = topicOrCreate(topicName);
    head = id.offset();
    return add(topic, id, type, kind, payload, encoder);
  }

  /**
   * Drops every retained event and continues from {@code position} (possibly in another epoch): the bus lost its
   * history or this node just joined it. Every topic vouches only for what comes after {@code position}.
   */
  void rebase(EventId position) {
    for (LogEntry e : fifo) {
      e.evicted = true;
    }
    fifo.clear();
    deadInFifo = 0;
    totalBytes = 0;
    long now = nanoClock.getAsLong();
    for (TopicLog t : topics.values()) {
      t.entries.clear();
      t.bytes = 0;
      t.floor = position.offset();
      t.floorNanos = now;
    }
    forgottenFloorNanos = now;
    epoch = position.epoch();
    head = position.offset();
    forgottenFloor = head; // topics first seen from now on vouch only for what this node reads next
    generation++;
  }

  /** Events up to {@code offset} were lost before this node saw them: no topic vouches for anything before. */
  void skipTo(long offset) {
    if (offset > head) {
      head = offset;
    }
    long now = nanoClock.getAsLong();
    for (TopicLog t : topics.values()) {
      if (t.floor < offset) {
        t.floor = offset;
        t.floorNanos = now;
      }
    }
    forgottenFloor = Math.max(forgottenFloor, offset);
    forgottenFloorNanos = now;
    generation++;
  }

  long generation() {
    return generation;
  }

  private LogEntry add(TopicLog topic, EventId id, String type, Event.Kind kind, byte[] payload,
      Function<LogEntry, byte[][]> encoder) {
    long now = nanoClock.getAsLong();
    LogEntry e = new LogEntry(topic, id, type, kind, payload, now);
    byte[][] encoded = encoder.apply(e);
    long size = LogEntry.OVERHEAD_BYTES + payload.length;
    for (byte[] b : encoded) {
      size += b.length;
    }
    e.encoded = encoded;
    e.size = size;
    topic.lastActivityNanos = now;
    if (config.maxEventsPerTopic() == 0) {
      topic.floor = e.offset;
      topic.floorNanos = now;
      e.evicted = true;
      return e;
    }
    topic.entries.addLast(e);
    topic.bytes += size;
    fifo.addLast(e);
    totalBytes += size;
    while (topic.entries.size() > config.maxEventsPerTopic() || topic.bytes > config.maxBytesPerTopic()) {
      evict(topic.entries.peekFirst());
    }
    while (totalBytes > config.maxTotalBytes()) {
      evictFifoHead();
    }
    return e;
  }

  /**
   * The position from which a subscription of {@code name} replays exactly its events published at or after
   * {@code atNanos} (on the log's clock): just before the first retained one, or the head when none is. When
   * events of the topic published at or after that time may have left the log (its floor was raised at or
   * after it), a position below the floor, so the resume gets a {@code too-old} reset instead of skipping them.
   * Walks the topic's entries from the newest: O(entries published at or after the time).
   */
  EventId positionAt(String name, long atNanos) {
    TopicLog t = topics.get(name);
    long floor = t != null ? t.floor : forgottenFloor;
    long floorNanos = t != null ? t.floorNanos : forgottenFloorNanos;
    if (floor > 0 && floorNanos - atNanos >= 0) {
      return EventId.of(epoch, floor - 1);
    }
    long position = head;
    if (t != null) {
      for (Iterator<LogEntry> it = t.entries.descendingIterator(); it.hasNext(); ) {
        LogEntry e = it.next();
        if (e.createdNanos - atNanos < 0) {
          break;
        }
        position = e.offset - 1;
      }
    }
    return EventId.of(epoch, position);
  }

  /** What a subscription resuming after {@code from} gets: events to replay, or why it cannot. */
  static final class Resume {
    final ResetReason reset;
    final List<LogEntry> events;

    Resume(ResetReason reset, List<LogEntry> events) {
      this.reset = reset;
      this.events = events;
    }
  }

  /** Whether a subscription of {@code topic} can resume after {@code from}: a reset reason, or none. */
  Resume check(TopicLog topic, EventId from) {
    if (from.epoch() != epoch) {
      return new Resume(ResetReason.EPOCH_CHANGED, List.of());
    }
    if (from.offset() > head) {
      return new Resume(ResetReason.UNKNOWN_POSITION, List.of());
    }
    if (from.offset() < topic.floor) {
      return new Resume(ResetReason.TOO_OLD, List.of());
    }
    return new Resume(null, List.of());
  }

  Resume resume(TopicLog topic, EventId from) {
    if (from.epoch() != epoch) {
      return new Resume(ResetReason.EPOCH_CHANGED, List.of());
    }
    if (from.offset() > head) {
      return new Resume(ResetReason.UNKNOWN_POSITION, List.of());
    }
    if (from.offset() < topic.floor) {
      return new Resume(ResetReason.TOO_OLD, List.of());
    }
    ArrayList<LogEntry> out = new ArrayList<>();
    Iterator<LogEntry> it = topic.entries.descendingIterator();
    while (it.hasNext()) {
      LogEntry e = it.next();
      if (e.offset <= from.offset()) {
        break;
      }
      out.add(e);
    }
    Collections.reverse(out);
    return new Resume(null, out);
  }

  /** Drops events older than the age bound and forgets idle topics; takes the lock itself. */
  public void expire() {
    lock.lock();
    try {
      long now = nanoClock.getAsLong();
      for (;;) {
        LogEntry e = fifo.peekFirst();
        if (e == null) {
          break;
        }
        if (e.evicted) {
          fifo.pollFirst();
          deadInFifo--;
          continue;
        }
        if (now - e.createdNanos < maxAgeNanos) {
          break;
        }
        evictFifoHead();
      }
      boolean forgot = false;
      long latest = 0;
      for (Iterator<TopicLog> it = topics.values().iterator(); it.hasNext(); ) {
        TopicLog t = it.next();
        if (t.totalSubscribers == 0 && t.entries.isEmpty() && now - t.lastActivityNanos >= maxAgeNanos) {
          it.remove();
          // its events were all published by its last activity: a later time lookup can vouch for them
          latest = !forgot || t.lastActivityNanos - latest > 0 ? t.lastActivityNanos : latest;
          forgot = true;
        }
      }
      if (forgot) {
        if (forgottenFloor == 0 || latest - forgottenFloorNanos > 0) {
          forgottenFloorNanos = latest;
        }
        forgottenFloor = head;
      }
    } finally {
      lock.unlock();
    }
  }

  private void evictFifoHead() {
    for (;;) {
      LogEntry e = fifo.pollFirst();
      if (e == null) {
        return;
      }
      if (e.evicted) {
        deadInFifo--;
        continue;
      }
      // Entries enter the FIFO and their topic's deque in the same order, so e is its topic's oldest.
      LogEntry first = e.topic.entries.pollFirst();
      assert first == e;
      drop(e);
      return;
    }
  }

  private void evict(LogEntry e) {
    e.topic.entries.pollFirst();
    drop(e);
    deadInFifo++;
    if (deadInFifo > 64 && deadInFifo > fifo.size() / 2) {
      fifo.removeIf(x -> x.evicted);
      deadInFifo = 0;
    }
  }

  private void drop(LogEntry e) {
    TopicLog t = e.topic;
    t.bytes -= e.size;
    t.floor = e.offset;
    t.floorNanos = e.createdNanos;
    totalBytes -= e.size;
    e.evicted = true;
  }
}
