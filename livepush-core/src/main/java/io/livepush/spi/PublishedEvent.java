package io.livepush.spi;

import io.livepush.Event;
import io.livepush.EventId;

/**
 * An event as it enters the replay log, handed to {@link Transport#encode(PublishedEvent)} exactly once per
 * transport. Immutable.
 */
public interface PublishedEvent {
  /** The topic it was published to. */
  String topic();

  /** Its position in the log. */
  EventId id();

  /** The event type, or {@code null}. */
  String type();

  /** How the payload is carried. */
  Event.Kind kind();

  /** The payload bytes (UTF-8 for text and JSON). Shared: never modify them. */
  byte[] payload();

  /** An immutable event with an externally assigned id, for {@link EventBus} implementations. */
  static PublishedEvent of(String topic, EventId id, String type, Event.Kind kind, byte[] payload) {
    java.util.Objects.requireNonNull(topic, "topic");
    java.util.Objects.requireNonNull(id, "id");
    java.util.Objects.requireNonNull(kind, "kind");
    java.util.Objects.requireNonNull(payload, "payload");
    return new PublishedEvent() {
      @Override
      public String topic() {
        return topic;
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

      @Override
      public String toString() {
        return "PublishedEvent{topic=" + topic + ", id=" + id + ", type=" + type + ", " + payload.length + " bytes}";
      }
    };
  }
}
