package io.livepush.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;

/**
 * One topic: its retained events and, per event loop, its subscribers.
 *
 * <p>{@code entries}, {@code bytes}, {@code floor}, {@code counts} and {@code totalSubscribers} are guarded by
 * the log lock. Each {@code subscribers[i]} list is touched only on event loop {@code i} (which also holds the
 * lock while changing it, so publishers can read {@code counts}).
 */
final class TopicLog {
  final String name;
  final ArrayDeque<LogEntry> entries = new ArrayDeque<>();
  long bytes;
  /** Every event of this topic with an offset above {@code floor} is still retained. */
  long floor;
  /**
   * When the events at or below {@code floor} may have been published, at the latest: the publish time of the
   * last event dropped, or when the floor was raised without one (rebase, gap, a forgotten topic). A time lookup
   * at or before it cannot vouch for the topic ({@link ReplayLog#positionAt}).
   */
  long floorNanos;
  long lastActivityNanos;
  final int[] counts;
  int totalSubscribers;
  final ArrayList<Subscription>[] subscribers;

  @SuppressWarnings("unchecked")
  TopicLog(String name, long floor, long floorNanos, int loops, long nowNanos) {
    this.name = name;
    this.floor = floor;
    this.floorNanos = floorNanos;
    this.counts = new int[loops];
    this.subscribers = new ArrayList[loops];
    this.lastActivityNanos = nowNanos;
  }

  /** Adds {@code s} on loop {@code loop}; caller is on that loop and holds the log lock. */
  void addSubscriber(int loop, Subscription s) {
    ArrayList<Subscription> list = subscribers[loop];
    if (list == null) {
      list = new ArrayList<>(4);
      subscribers[loop] = list;
    }
    s.slot = list.size();
    list.add(s);
    counts[loop]++;
    totalSubscribers++;
  }

  /** Swap-removes {@code s}; caller is on its loop and holds the log lock. */
  void removeSubscriber(int loop, Subscription s) {
    ArrayList<Subscription> list = subscribers[loop];
    int slot = s.slot;
    if (list == null || slot < 0 || slot >= list.size() || list.get(slot) != s) {
      return;
    }
    Subscription last = list.remove(list.size() - 1);
    if (last != s) {
      list.set(slot, last);
      last.slot = slot;
    }
    s.slot = -1;
    counts[loop]--;
    totalSubscribers--;
    if (list.isEmpty()) {
      subscribers[loop] = null; // idle topics keep no per-loop garbage
    }
  }
}
