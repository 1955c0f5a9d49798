package io.livepush.webtransport;

import io.netty.buffer.ByteBuf;

/** QUIC variable-length integers (RFC 9000 §16): 1, 2, 4 or 8 bytes, the length in the top two bits. */
final class Varints {
  /** Largest value: 2^62 - 1. */
  static final long MAX = (1L << 62) - 1;

  private Varints() {}

  /** The encoded length of the integer starting with {@code firstByte}. */
  static int length(byte firstByte) {
    return 1 << ((firstByte & 0xC0) >>> 6);
  }

  /**
   * Reads the integer at {@code index} without moving the reader index; the caller checked that
   * {@link #length} bytes are readable there.
   */
  static long get(ByteBuf in, int index) {
    int len = length(in.getByte(index));
    long v = in.getByte(index) & 0x3F;
    for (int i = 1; i < len; i++) {
      v = (v << 8) | (in.getByte(index + i) & 0xFF);
    }
    return v;
  }

  /** The encoded length of {@code v} (RFC 9000 §16), in bytes. */
  static int size(long v) {
    return v < 0x40 ? 1 : v < 0x4000 ? 2 : v < 0x4000_0000L ? 4 : 8;
  }

  static void write(ByteBuf out, long v) {
    if (v < 0 || v > MAX) {
      throw new IllegalArgumentException("varint: " + v + " (expected: 0.." + MAX + ")");
    }
    if (v < 0x40) {
      out.writeByte((int) v);
    } else if (v < 0x4000) {
      out.writeShort((int) (0x4000 | v));
    } else if (v < 0x4000_0000L) {
      out.writeInt((int) (0x8000_0000L | v));
    } else {
      out.writeLong(0xC000_0000_0000_0000L | v);
    }
  }
}
