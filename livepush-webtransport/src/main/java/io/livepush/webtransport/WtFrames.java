package io.livepush.webtransport;

import io.livepush.EventId;
import io.livepush.spi.PublishedEvent;
import io.livepush.websocket.V1Messages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.nio.charset.StandardCharsets;

/**
 * livepush.v1 messages on a WebTransport stream: {@code kind (1 byte) | length (4 bytes, big-endian) | payload}.
 * Kind {@value #TEXT} is one JSON message (UTF-8), kind {@value #BINARY} a binary event in the WebSocket
 * binary-message layout ({@code N: uint16 | N bytes of JSON header | payload}, docs/protocol.md), so the two kinds
 * stand for RFC 6455's text and binary frames. Inbound messages are split by Netty's
 * {@link LengthFieldBasedFrameDecoder} ({@link #decoder}); this class only writes.
 */
final class WtFrames {
  /** A text (JSON) message, as the WebSocket opcode. */
  static final int TEXT = 0x1;
  /** A binary event, as the WebSocket opcode. */
  static final int BINARY = 0x2;
  /** Kind and length. */
  static final int HEADER_LENGTH = 5;

  private WtFrames() {}

  /** Splits inbound messages of at most {@code maxMessageSize} payload bytes; longer fails the stream. */
  static LengthFieldBasedFrameDecoder decoder(int maxMessageSize) {
    // length field at offset 1, 4 bytes; the frame handed on keeps its header (kind is read from it).
    return new LengthFieldBasedFrameDecoder(HEADER_LENGTH + maxMessageSize, 1, 4, 0, 0, true);
  }

  /** One message: header, then the concatenation of {@code parts}. */
  static byte[] message(int kind, byte[]... parts) {
    long len = 0;
    for (byte[] p : parts) {
      len += p.length;
    }
    byte[] out = new byte[Math.toIntExact(HEADER_LENGTH + len)];
    out[0] = (byte) kind;
    out[1] = (byte) (len >>> 24);
    out[2] = (byte) (len >>> 16);
    out[3] = (byte) (len >>> 8);
    out[4] = (byte) len;
    int i = HEADER_LENGTH;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, i, p.length);
      i += p.length;
    }
    return out;
  }

  static ByteBuf text(ByteBufAllocator alloc, String json) {
    byte[] m = message(TEXT, json.getBytes(StandardCharsets.UTF_8));
    return alloc.directBuffer(m.length).writeBytes(m);
  }

  static ByteBuf buffer(ByteBufAllocator alloc, byte[] message) {
    return alloc.directBuffer(message.length).writeBytes(message);
  }

  /** The complete wire form of a published event, shared by every subscriber. */
  static byte[] event(PublishedEvent event) {
    String topic = event.topic();
    EventId id = event.id();
    String type = event.type();
    switch (event.kind()) {
      case JSON:
        return message(TEXT, V1Messages.jsonEvent(topic, id, type, event.payload()));
      case TEXT:
        return message(TEXT, V1Messages.textEvent(topic, id, type, event.payload()));
      default:
        return message(BINARY, V1Messages.binaryEvent(topic, id, type, event.payload()));
    }
  }
}
