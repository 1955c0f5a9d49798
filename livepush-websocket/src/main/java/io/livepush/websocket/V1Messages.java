package io.livepush.websocket;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.livepush.EventId;
import io.livepush.ResetReason;
import io.livepush.spi.Surrogates;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

/**
 * The livepush.v1 server messages as JSON text (docs/protocol.md, "Messages"), without any framing: what every
 * transport that speaks livepush.v1 sends, framed its own way ({@link V1Session#encodeText}). Stateless;
 * safe from any thread. For transport authors, not for applications.
 */
public final class V1Messages {
  private static final JsonStringEncoder JSON = JsonStringEncoder.getInstance();
  private static final byte[] CLOSE_BRACE = {'}'};

  private V1Messages() {}

  /**
   * A JSON string literal, quotes included. Jackson escapes quotes, backslashes and control characters; an
   * unpaired surrogate (possible in a client's {@code ref}, which JSON may carry as {@code \\ud800}) is written
   * as a {@code \\uXXXX} escape too, so the client reads back exactly what it sent instead of a {@code ?}
   * from the UTF-8 encoder.
   *
   * @param s the string, or {@code null}
   * @return the JSON literal, {@code null} for {@code null}
   */
  public static String quote(String s) {
    if (s == null) {
      return "null";
    }
    char[] quoted = JSON.quoteAsString(s);
    CharSequence text = CharBuffer.wrap(quoted);
    if (Surrogates.firstUnpaired(text) < 0) {
      return "\"" + new String(quoted) + "\"";
    }
    StringBuilder sb = new StringBuilder(quoted.length + 8);
    for (int i = 0; i < quoted.length; i++) {
      char c = quoted[i];
      if (Character.isSurrogate(c) && Surrogates.isUnpaired(text, i)) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return "\"" + sb + "\"";
  }

  /**
   * The JSON header of an event, without {@code data} and without the closing brace.
   *
   * @param topic the event's topic
   * @param id the event's id
   * @param type the event's type, or {@code null}
   * @return {@code {"type":"event","topic":..,"id":..,"event":..} } without its closing brace
   */
  public static String eventHead(String topic, EventId id, String type) {
    return "{\"type\":\"event\",\"topic\":" + quote(topic) + ",\"id\":\"" + id + "\",\"event\":" + quote(type);
  }

  /**
   * {@code {"type":"reset","topic":..,"reason":..,"id":..}}.
   *
   * @param topic the topic whose events were skipped
   * @param reason why
   * @param position the connection's position after the reset
   * @return the message
   */
  public static String reset(String topic, ResetReason reason, EventId position) {
    return "{\"type\":\"reset\",\"topic\":" + quote(topic) + ",\"reason\":\"" + reason.code() + "\",\"id\":\""
        + position + "\"}";
  }

  /**
   * {@code {"type":"subscribed","topics":[..],"id":..,"ref":..}}.
   *
   * @param topics the topics now live
   * @param position the position they are live from
   * @param ref the request's reference, or {@code null} to leave it out
   * @return the message
   */
  public static String subscribed(Collection<String> topics, EventId position, String ref) {
    StringBuilder sb = new StringBuilder("{\"type\":\"subscribed\",\"topics\":[");
    boolean first = true;
    for (String t : topics) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      sb.append(quote(t));
    }
    sb.append("],\"id\":\"").append(position).append('"');
    if (ref != null) {
      sb.append(",\"ref\":").append(quote(ref));
    }
    return sb.append('}').toString();
  }

  /**
   * {@code {"type":"error","code":..,"message":..,"ref":..}}.
   *
   * @param code the error code ({@code bad-request}, {@code forbidden}, ...)
   * @param message a human-readable message
   * @param ref the request's reference, or {@code null} to leave it out
   * @return the message
   */
  public static String error(String code, String message, String ref) {
    return "{\"type\":\"error\",\"code\":" + quote(code) + ",\"message\":" + quote(message)
        + (ref != null ? ",\"ref\":" + quote(ref) : "") + "}";
  }

  /**
   * {@code {"type":"ack","ref":..}}.
   *
   * @param ref the request's reference
   * @return the message
   */
  public static String ack(String ref) {
    return "{\"type\":\"ack\",\"ref\":" + quote(ref) + "}";
  }

  /**
   * {@code {"type":"reply","ref":..,"data":..}}.
   *
   * @param ref the request's reference
   * @param dataJson the data, one JSON value
   * @return the message
   */
  public static String reply(String ref, String dataJson) {
    return "{\"type\":\"reply\",\"ref\":" + quote(ref) + ",\"data\":" + dataJson + "}";
  }


  /**
   * {@code {"type":"event",...,"data":<json>}} for a JSON payload, in three parts to concatenate (no copy of
   * the payload).
   *
   * @param topic the event's topic
   * @param id the event's id
   * @param type the event's type, or {@code null}
   * @param json the payload, one JSON value as UTF-8; kept by reference
   * @return the parts, in order
   */
  public static byte[][] jsonEvent(String topic, EventId id, String type, byte[] json) {
    byte[] head = (eventHead(topic, id, type) + ",\"data\":").getBytes(StandardCharsets.UTF_8);
    return new byte[][] {head, json, CLOSE_BRACE};
  }

  /**
   * {@code {"type":"event",...,"data":"<text>"}} for a text payload.
   *
   * @param topic the event's topic
   * @param id the event's id
   * @param type the event's type, or {@code null}
   * @param utf8 the text as UTF-8
   * @return the message as UTF-8
   */
  public static byte[] textEvent(String topic, EventId id, String type, byte[] utf8) {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(utf8.length + 80);
    b.writeBytes((eventHead(topic, id, type) + ",\"data\":\"").getBytes(StandardCharsets.UTF_8));
    b.writeBytes(JSON.quoteAsUTF8(new String(utf8, StandardCharsets.UTF_8)));
    b.writeBytes(new byte[] {'"', '}'});
    return b.toByteArray();
  }

  /**
   * A binary event in three parts to concatenate: {@code N} as 2 bytes big-endian, the {@code N} bytes of its
   * JSON header {@code {"type":"event","topic":..,"id":..,"event":..}}, then the payload (docs/protocol.md,
   * "Binary events").
   *
   * @param topic the event's topic
   * @param id the event's id
   * @param type the event's type, or {@code null}
   * @param payload the payload; kept by reference
   * @return the parts, in order; the header is far below 65,535 bytes (topics are at most 200 ASCII
   *     characters, types 128)
   */
  public static byte[][] binaryEvent(String topic, EventId id, String type, byte[] payload) {
    byte[] head = (eventHead(topic, id, type) + "}").getBytes(StandardCharsets.UTF_8);
    byte[] len = {(byte) (head.length >>> 8), (byte) head.length};
    return new byte[][] {len, head, payload};
  }


  /**
   * {@code {"type":"presence","topic":..,"data":<json>}}: a member snapshot, no id; in three parts.
   *
   * @param topic the presence-enabled topic
   * @param json the snapshot as UTF-8 JSON; kept by reference
   * @return the parts, in order
   */
  public static byte[][] presence(String topic, byte[] json) {
    byte[] head = ("{\"type\":\"presence\",\"topic\":" + quote(topic) + ",\"data\":")
        .getBytes(StandardCharsets.UTF_8);
    return new byte[][] {head, json, CLOSE_BRACE};
  }
}
