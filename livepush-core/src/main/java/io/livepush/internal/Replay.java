package io.livepush.internal;

import io.livepush.EventId;
import io.livepush.ResetReason;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The replay a session still owes: a cursor over the log, one per session, written only while the connection
 * is within its outbound budget (see {@link SessionSubscriptions#pump}). While it exists every subscription of the
 * session is in catch-up mode: live deliveries skip it, and the cursor reads from the log, for each
 * subscription, the events after its {@link Subscription#position}, merged in offset order. Once nothing is
 * left, under the log lock, every subscription moves to the head and the markers are written, so the switch to
 * live neither loses nor repeats an event and the connection keeps offset order across all its topics.
 *
 * <p>Memory: the cursor holds positions, not events; only bus history (bounded by the bus) is held as entries.
 * Confined to the session's event loop.
 */
final class Replay {
  /** A "subscribed" marker owed once caught up: its topics and the request's reference. */
  record Marker(Collection<String> topics, String ref) {}

  final List<Marker> markers = new ArrayList<>(1);
  /** Topics owing a presence snapshot, written after their markers within the budget. */
  final ArrayDeque<String> snapshots = new ArrayDeque<>(0);
  /** Bus history to write, in offset order; the log is read for its topics only above their logFrom. */
  ArrayDeque<LogEntry> history;
  /** Waiting for the bus's history: nothing is written until it arrives. */
  boolean awaitingBus;
  /** A bus reset came while the history was being fetched: the history is void when it arrives. */
  boolean historyVoid;

  /** What one step takes from the log: entries to write, in offset order, and whether it caught up. */
  static final class Step {
    final List<LogEntry> entries = new ArrayList<>();
    long bytes;
    boolean caughtUp;
  }

  /**
   * Takes the next events owed, at most about {@code room} bytes (the last one may cross it), advancing the
   * positions of the subscriptions they belong to. Topics whose next event has left the log get a
   * {@code too-old} reset owed and move to the head. When everything is taken, every subscription moves to the
   * head (or stays ahead of it). Caller holds the log lock and is on the session's loop.
   */
  Step take(ReplayLog log, Subscription subscriptions, int transportIndex, long room) {
    Step step = new Step();
    List<LogEntry> candidates = new ArrayList<>();
    boolean more = false;
    long head = log.head();
    for (Subscription s = subscriptions; s != null; s = s.next) {
      long from = Math.max(s.position, s.logFrom);
      TopicLog t = s.topic;
      if (from < t.floor && from < head) {
        // Events between the position and the floor left the log while this client was not reading.
        s.owedReset = ResetReason.TOO_OLD;
        s.position = head;
        s.logFrom = 0;
        continue;
      }
      long taken = 0;
      for (LogEntry e : t.entries) {
        if (e.offset <= from) {
          continue;
        }
        if (taken >= room) {
          more = true; // this topic has more than one step can write
          break;
        }
        candidates.add(e);
        taken += e.encoded[transportIndex].length;
      }
    }
    if (history != null) {
      long taken = 0;
      for (LogEntry e : history) {
        if (taken >= room) {
          more = true;
          break;
        }
        candidates.add(e);
        taken += e.encoded[transportIndex].length;
      }
    }
    candidates.sort((a, b) -> Long.compare(a.offset, b.offset));
    for (LogEntry e : candidates) {
      if (step.bytes >= room) {
        more = true;
        break;
      }
      Subscription s = Subscription.find(subscriptions, e.topic.name);
      if (history != null && !history.isEmpty() && history.peekFirst() == e) {
        history.pollFirst();
      }
      if (s == null || e.offset <= s.position) {
        continue;
      }
      s.position = e.offset;
      step.entries.add(e);
      step.bytes += e.encoded[transportIndex].length;
    }
    if (!more && (history == null || history.isEmpty())) {
      history = null;
      for (Subscription s = subscriptions; s != null; s = s.next) {
        s.logFrom = 0;
        s.position = Math.max(s.position, head);
      }
      step.caughtUp = true;
    }
    return step;
  }

  /** The position a marker carries: every one of its topics has every event up to it. */
  static EventId markerPosition(long epoch, Collection<String> topics, Subscription subscriptions, long head) {
    long min = Long.MAX_VALUE;
    for (String t : topics) {
      Subscription s = Subscription.find(subscriptions, t);
      if (s != null) {
        min = Math.min(min, s.position);
      }
    }
    return EventId.of(epoch, min == Long.MAX_VALUE ? head : min);
  }
}
