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
}
