package io.livepush.internal;

/** One session following one topic; confined to the session's event loop. */
final class Subscription {
  final SessionImpl session;
  final TopicLog topic;
  /** The last offset delivered (or skipped as already covered); later events only are written. */
  long position;
  /** Index in {@code topic.subscribers[loop]}. */
  int slot = -1;
  /** {@link ReplayLog#generation()} when made: a bus reset posted earlier must not touch it. */
  long generation;

  Subscription(SessionImpl session, TopicLog topic, long position) {
    this.session = session;
    this.topic = topic;
    this.position = position;
  }
}
