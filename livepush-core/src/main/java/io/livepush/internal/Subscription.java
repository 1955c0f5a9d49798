package io.livepush.internal;

import io.livepush.ResetReason;
import io.livepush.SlowConsumerPolicy;

/** One session following one topic; confined to the session's event loop. */
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

  Subscription(SessionImpl session, TopicLog topic, long position, SlowConsumerPolicy policy) {
    this.session = session;
    this.topic = topic;
    this.position = position;
    this.policy = policy;
  }
}
