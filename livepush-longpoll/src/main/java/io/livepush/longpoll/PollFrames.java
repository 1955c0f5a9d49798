package io.livepush.longpoll;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.ResetReason;
import io.livepush.spi.PublishedEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * What {@link LongPollTransport}'s encoders hand the core, and what {@link PollBatch} reads back: a sequence of
 * frames {@code kind (1 byte) | id length (1 byte) | id (ASCII) | entry length (4 bytes, big-endian) | entry}.
 * The core may concatenate several (a replay step writes its events in one buffer), so frames are
 * self-delimiting. They never reach the wire as such: {@link PollBatch} keeps the entries (the JSON objects of
 * the batch's {@code events} array) and the ids, and writes the HTTP answer around them.
 *
 * <p>Entries: an event {@code {"id":..,"topic":..,"event":<type or null>,"data":..}} with a JSON payload
 * inline, a text payload as a JSON string and a binary one as a base64 string (RFC 4648 §4, as SSE sends it);
 * a reset {@code {"event":"reset","data":{"topic":..,"reason":..,"id":..}}}, the SSE reset event as JSON.
 * Stateless and thread-safe.
 */
final class PollFrames {
  static final byte EVENT = 'E';
  static final byte RESET = 'R';
  static final byte POSITION = 'P';
  static final byte HEARTBEAT = 'H';

  private static final JsonStringEncoder JSON = JsonStringEncoder.getInstance();
  private static final byte[] NONE = new byte[0];

  private PollFrames() {}

  /** The frame of one published event (its entry is shared by every poll that receives it). */
  static byte[] event(PublishedEvent e) {
    byte[] payload = e.payload();
    ByteArrayOutputStream b = new ByteArrayOutputStream(payload.length + 96);
    b.writeBytes(("{\"id\":\"" + e.id() + "\",\"topic\":" + quote(e.topic()) + ",\"event\":"
        + (e.type() == null ? "null" : quote(e.type())) + ",\"data\":").getBytes(StandardCharsets.UTF_8));
    if (e.kind() == Event.Kind.JSON) {
      b.writeBytes(payload);
    } else if (e.kind() == Event.Kind.TEXT) {
      b.write('"');
      b.writeBytes(JSON.quoteAsUTF8(new String(payload, StandardCharsets.UTF_8)));
      b.write('"');
    } else {
      b.writeBytes(("\"" + Base64.getEncoder().encodeToString(payload) + "\"").getBytes(StandardCharsets.US_ASCII));
    }
    b.write('}');
    return frame(EVENT, e.id().toString(), b.toByteArray());
  }

  /** The frame of a reset; {@code position} is where the poll goes on after it, for every topic. */
  static byte[] reset(String topic, ResetReason reason, EventId position) {
    String entry = "{\"event\":\"" + Event.RESET_TYPE + "\",\"data\":{\"topic\":" + quote(topic) + ",\"reason\":\""
        + reason.code() + "\",\"id\":\"" + position + "\"}}";
    return frame(RESET, position.toString(), entry.getBytes(StandardCharsets.UTF_8));
  }

  /** The frame saying the poll's subscriptions are complete up to {@code position} (the replay caught up). */
  static byte[] position(EventId position) {
    return frame(POSITION, position.toString(), NONE);
  }

  /** A heartbeat frame: nothing to answer (the poll's timeout answer is its heartbeat). */
  static byte[] heartbeat() {
    return frame(HEARTBEAT, "", NONE);
  }

  private static byte[] frame(byte kind, String id, byte[] entry) {
    byte[] idBytes = id.getBytes(StandardCharsets.US_ASCII); // ids are [0-9a-z-], at most 40 characters
    byte[] out = new byte[2 + idBytes.length + 4 + entry.length];
    out[0] = kind;
    out[1] = (byte) idBytes.length;
    System.arraycopy(idBytes, 0, out, 2, idBytes.length);
    int at = 2 + idBytes.length;
    out[at] = (byte) (entry.length >>> 24);
    out[at + 1] = (byte) (entry.length >>> 16);
    out[at + 2] = (byte) (entry.length >>> 8);
    out[at + 3] = (byte) entry.length;
    System.arraycopy(entry, 0, out, at + 4, entry.length);
    return out;
  }

  private static String quote(String s) {
    return "\"" + new String(JSON.quoteAsString(s)) + "\"";
  }
}
