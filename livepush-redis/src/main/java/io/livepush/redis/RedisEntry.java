package io.livepush.redis;

import io.lettuce.core.StreamMessage;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.spi.PublishedEvent;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** One stream entry: id {@code <offset>-0}, fields {@code e t y k p}. */
final class RedisEntry {
  private RedisEntry() {}

  /**
   * The entry as an event with its cluster id.
   *
   * @throws IllegalStateException if a field is missing or malformed
   */
  static PublishedEvent parse(StreamMessage<byte[], byte[]> m) {
    String id = m.getId();
    long offset = Long.parseLong(id.substring(0, id.indexOf('-')));
    long epoch = -1;
    String topic = null;
    String type = null;
    Event.Kind kind = null;
    byte[] payload = null;
    // ByteArrayCodec keys compare by identity, so walk the (five) fields.
    for (Map.Entry<byte[], byte[]> f : m.getBody().entrySet()) {
      byte[] k = f.getKey();
      byte[] v = f.getValue();
      if (k.length != 1) {
        continue;
      }
      switch (k[0]) {
        case 'e' -> epoch = RedisScripts.parseLong(v);
        case 't' -> topic = new String(v, StandardCharsets.UTF_8);
        case 'y' -> type = v.length == 0 ? null : new String(v, StandardCharsets.UTF_8);
        case 'k' -> kind = Event.Kind.valueOf(new String(v, StandardCharsets.US_ASCII));
        case 'p' -> payload = v;
        default -> { }
      }
    }
    if (epoch < 0 || topic == null || kind == null || payload == null) {
      throw new IllegalStateException("malformed stream entry " + id);
    }
    return PublishedEvent.of(topic, EventId.of(epoch, offset), type, kind, payload);
  }
}
