package io.livepush.websocket;

import io.livepush.EventId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

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

  /** {@code {"type":"presence","topic":..,"data":<json>}}: a member snapshot, no id. */
  static byte[] presence(String topic, byte[] json) {
    return frame(OP_TEXT, V1Messages.presence(topic, json));
  }

  /** {@code {"type":"event",...,"data":<json>}} for a JSON payload. */
  static byte[] jsonEvent(String topic, EventId id, String type, byte[] json) {
    return frame(OP_TEXT, V1Messages.jsonEvent(topic, id, type, json));
  }

  /** {@code {"type":"event",...,"data":"<text>"}} for a text payload. */
  static byte[] textEvent(String topic, EventId id, String type, byte[] utf8) {
    return frame(OP_TEXT, V1Messages.textEvent(topic, id, type, utf8));
  }

  /** A binary event: 2-byte big-endian header length N, N bytes of JSON header, then the payload. */
  static byte[] binaryEvent(String topic, EventId id, String type, byte[] payload) {
    return frame(OP_BINARY, V1Messages.binaryEvent(topic, id, type, payload));
  }
}
