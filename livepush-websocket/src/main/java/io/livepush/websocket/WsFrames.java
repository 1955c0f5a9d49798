package io.livepush.websocket;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.livepush.EventId;
import io.livepush.ResetReason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

/**
 * Pre-encodes unmasked server-to-client frames (RFC 6455 §5.2) and the livepush.v1 server messages.
 *
 * <p>Why a header writer and not Netty's {@code WebSocket13FrameEncoder}: {@link WebSocketTransport#encode}
 * runs once per publish under the log lock and must return plain bytes the core shares between subscribers;
 * a server frame header is 2, 4 or 10 bytes (FIN, opcode, no mask, 7/16/64-bit length) and this writer is
 * checked against Netty's decoder in {@code WsFramesTest}. Parsing stays with Netty. Frames written here never
 * set RSV1, so they are valid uncompressed messages even when permessage-deflate was negotiated (RFC 7692 §6).
 */
final class WsFrames {
  static final int OP_TEXT = 0x1;
  static final int OP_BINARY = 0x2;
  static final int OP_PING = 0x9;

  private static final JsonStringEncoder JSON = JsonStringEncoder.getInstance();

  private WsFrames() {}

  /** Length of the header of a final, unmasked frame carrying {@code payloadLength} bytes. */
  static int headerLength(long payloadLength) {
    return payloadLength < 126 ? 2 : payloadLength <= 0xFFFF ? 4 : 10;
  }

  /** Writes the header of a final, unmasked frame into {@code out} at {@code index}; returns the next index. */
  static int writeHeader(byte[] out, int index, int opcode, long payloadLength) {
    out[index++] = (byte) (0x80 | opcode);
    if (payloadLength < 126) {
      out[index++] = (byte) payloadLength;
    } else if (payloadLength <= 0xFFFF) {
      out[index++] = 126;
      out[index++] = (byte) (payloadLength >>> 8);
      out[index++] = (byte) payloadLength;
    } else {
      out[index++] = 127;
      for (int shift = 56; shift >= 0; shift -= 8) {
        out[index++] = (byte) (payloadLength >>> shift);
      }
    }
    return index;
  }

  /** One complete frame: header, then the concatenation of {@code parts}. */
  static byte[] frame(int opcode, byte[]... parts) {
    long len = 0;
    for (byte[] p : parts) {
      len += p.length;
    }
    byte[] out = new byte[Math.toIntExact(headerLength(len) + len)];
    int i = writeHeader(out, 0, opcode, len);
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, i, p.length);
      i += p.length;
    }
    return out;
  }

  static ByteBuf buffer(ByteBufAllocator alloc, byte[] frame) {
    return alloc.directBuffer(frame.length).writeBytes(frame);
  }

  static ByteBuf textFrame(ByteBufAllocator alloc, String json) {
    return buffer(alloc, frame(OP_TEXT, json.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * A JSON string literal, quotes included. Jackson escapes quotes, backslashes and control characters; an
   * unpaired surrogate (possible in a client's {@code ref}, which JSON may carry as {@code \\ud800}) is written
   * as a {@code \\uXXXX} escape too, so the client reads back exactly what it sent instead of a {@code ?}
   * from the UTF-8 encoder.
   */
  static String quote(String s) {
    if (s == null) {
      return "null";
    }
    char[] quoted = JSON.quoteAsString(s);
    StringBuilder sb = null;
    for (int i = 0; i < quoted.length; i++) {
      char c = quoted[i];
      boolean lone = Character.isHighSurrogate(c)
          ? i + 1 >= quoted.length || !Character.isLowSurrogate(quoted[i + 1])
          : Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(quoted[i - 1]));
      if (Character.isHighSurrogate(c) && !lone) {
        if (sb != null) {
          sb.append(c).append(quoted[i + 1]);
        }
        i++;
        continue;
      }
      if (lone && sb == null) {
        sb = new StringBuilder(quoted.length + 8).append(quoted, 0, i);
      }
      if (sb != null) {
        if (lone) {
          sb.append(String.format("\\u%04x", (int) c));
        } else {
          sb.append(c);
        }
      }
    }
    return "\"" + (sb == null ? new String(quoted) : sb.toString()) + "\"";
  }

  /** The JSON header of an event, without {@code data} and without the closing brace. */
  static String eventHead(String topic, EventId id, String type) {
    return "{\"type\":\"event\",\"topic\":" + quote(topic) + ",\"id\":\"" + id + "\",\"event\":" + quote(type);
  }

  /** {@code {"type":"event",...,"data":<json>}} for a JSON payload. */
  static byte[] jsonEvent(String topic, EventId id, String type, byte[] json) {
    byte[] head = (eventHead(topic, id, type) + ",\"data\":").getBytes(StandardCharsets.UTF_8);
    return frame(OP_TEXT, head, json, new byte[] {'}'});
  }

  /** {@code {"type":"event",...,"data":"<text>"}} for a text payload. */
  static byte[] textEvent(String topic, EventId id, String type, byte[] utf8) {
    ByteArrayOutputStream b = new ByteArrayOutputStream(utf8.length + 80);
    b.writeBytes((eventHead(topic, id, type) + ",\"data\":\"").getBytes(StandardCharsets.UTF_8));
    b.writeBytes(JSON.quoteAsUTF8(new String(utf8, StandardCharsets.UTF_8)));
    b.writeBytes(new byte[] {'"', '}'});
    return frame(OP_TEXT, b.toByteArray());
  }

  /** A binary event: 2-byte big-endian header length N, N bytes of JSON header, then the payload. */
  static byte[] binaryEvent(String topic, EventId id, String type, byte[] payload) {
    byte[] head = (eventHead(topic, id, type) + "}").getBytes(StandardCharsets.UTF_8);
    // Topics are at most 200 ASCII characters, types 128: the header is far below 65535 bytes.
    byte[] len = {(byte) (head.length >>> 8), (byte) head.length};
    return frame(OP_BINARY, len, head, payload);
  }

  static String reset(String topic, ResetReason reason, EventId position) {
    return "{\"type\":\"reset\",\"topic\":" + quote(topic) + ",\"reason\":\"" + reason.code() + "\",\"id\":\""
        + position + "\"}";
  }

  static String subscribed(Collection<String> topics, EventId position, String ref) {
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

  static String error(String code, String message, String ref) {
    return "{\"type\":\"error\",\"code\":" + quote(code) + ",\"message\":" + quote(message)
        + (ref != null ? ",\"ref\":" + quote(ref) : "") + "}";
  }

  static String ack(String ref) {
    return "{\"type\":\"ack\",\"ref\":" + quote(ref) + "}";
  }

  static String reply(String ref, String dataJson) {
    return "{\"type\":\"reply\",\"ref\":" + quote(ref) + ",\"data\":" + dataJson + "}";
  }
}
