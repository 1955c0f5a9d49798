package io.livepush.spi;

import io.livepush.Event;
import io.livepush.EventId;

/**
 * An event as it enters the replay log, handed to {@link Transport#encode(PublishedEvent)} exactly once per
 * transport. Immutable.
 */
public interface PublishedEvent {
  /**
   * The topic it was published to.
   *
   * @return the validated topic name; never {@code null}
   */
  String topic();

  /**
   * Its position in the log.
   *
   * @return the id (epoch and offset); never {@code null}
   */
  EventId id();

  /**
   * The event type.
   *
   * @return the validated type, or {@code null} for none
   */
  String type();

  /**
   * How the payload is carried.
   *
   * @return the kind; never {@code null}
   */
  Event.Kind kind();

  /**
   * The payload bytes (UTF-8 for text and JSON). Shared: never modify them.
   *
   * @return the bytes, not a copy; never {@code null}
   */
  byte[] payload();

  /**
   * An immutable event with an externally assigned id, for {@link EventBus} implementations.
   *
   * @param topic the topic, already validated; not {@code null}
   * @param id the cluster-assigned id; not {@code null}
   * @param type the event type, already validated, or {@code null} for none
   * @param kind how the payload is carried; not {@code null}
   * @param payload the bytes, not copied: owned by the event from now on; not {@code null}
   * @return the event
   * @throws NullPointerException if {@code topic}, {@code id}, {@code kind} or {@code payload} is {@code null}
   */
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
