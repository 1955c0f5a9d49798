package io.livepush.internal;

import io.livepush.ResetReason;
import io.livepush.SlowConsumerPolicy;

/**
 * One session following one topic; confined to the session's event loop. A session's subscriptions are a list
 * linked through {@link #next} (at most {@code maxTopicsPerConnection}, 64 by default, searched linearly): a
 * connection following one topic holds its subscription directly, with no set or array (issue 18: 40 B per idle
 * connection). The fan-out iterates {@code TopicLog.subscribers}, never this list.
 */
final class Subscription {
  final SessionImpl session;
  final TopicLog topic;
  final SlowConsumerPolicy policy;
  /** The last offset delivered (or skipped as already covered); later events only are written. */
  long position;
  /** Index in {@code topic.subscribers[loop]}. */
  int slot = -1;
  /** DROP_WITH_RESET: events were skipped; a reset is owed once the channel drains. */
  boolean dropping;
  /** KEEP_LATEST: the newest event not yet written, or {@code null}. At most one per subscription. */
  LogEntry latest;
  /** {@link ReplayLog#generation()} when made: a bus reset posted earlier must not touch it. */
  long generation;
  /**
   * A reset this subscription owes the client before anything else of its topic, or {@code null}; it carries the
   * session's reset position (see {@code SessionSubscriptions.resetPosition}).
   */
  ResetReason owedReset;
  /**
   * While bus history is being written: the log is read for this topic only above this offset (the history
   * covers what is below it). {@code 0} otherwise.
   */
  long logFrom;
  /** The session's next subscription, or {@code null}; see {@code SessionSubscriptions.subscriptions}. */
  Subscription next;

  Subscription(SessionImpl session, TopicLog topic, long position, SlowConsumerPolicy policy) {
    this.session = session;
    this.topic = topic;
    this.position = position;
    this.policy = policy;
  }

  /** The subscription to {@code topic} in the list starting at {@code first}, or {@code null}. */
  static Subscription find(Subscription first, String topic) {
    for (Subscription s = first; s != null; s = s.next) {
      if (s.topic.name.equals(topic)) {
        return s;
      }
    }
    return null;
  }
}
