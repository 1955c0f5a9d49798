package io.livepush.internal;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.spi.PublishedEvent;

/** One event in the replay log. Fields other than {@code evicted} are written once, under the log lock. */
final class LogEntry implements PublishedEvent {
  /** Fixed cost charged per entry on top of its bytes (object headers, references, deque slots). */
  static final int OVERHEAD_BYTES = 128;

  final TopicLog topic;
  final long offset;
  final EventId id;
  final String type;
  final Event.Kind kind;
  final byte[] payload;
  final long createdNanos;
  /** Wire bytes per transport index; shared by every subscriber and never modified. */
  byte[][] encoded;
  long size;
  /** Left the log (guarded by the log lock). */
  boolean evicted;

  LogEntry(TopicLog topic, EventId id, String type, Event.Kind kind, byte[] payload, long createdNanos) {
    this.topic = topic;
    this.offset = id.offset();
    this.id = id;
    this.type = type;
    this.kind = kind;
    this.payload = payload;
    this.createdNanos = createdNanos;
  }

  @Override
  public String topic() {
    return topic.name;
  }

  @Override
  public EventId id() {
    return id;
  }

  @Override
  public String type() {
    return type;
  }

  @Override
  public Event.Kind kind() {
    return kind;
  }

  @Override
  public byte[] payload() {
    return payload;
  }
}
