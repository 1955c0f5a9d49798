package io.livepush.webtransport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * Reads the capsules a client sends on a session's CONNECT stream (RFC 9297 §3.2: {@code type (varint) | length
 * (varint) | value}), across DATA frames, holding at most one capsule header and one close reason: unknown types
 * are skipped byte by byte however long they claim to be (RFC 9297 §3.2: unknown capsules are ignored), so a
 * flood of them holds no memory beyond QUIC's stream window. CLOSE_WEBTRANSPORT_SESSION (draft-ietf-webtrans-http3
 * §6) is reported once, with its code; bytes after it, or a close capsule of a bad length, are a malformed
 * message (H3_MESSAGE_ERROR). Event loop only (the stream's).
 */
final class WtCapsules {
  /** CLOSE_WEBTRANSPORT_SESSION: {@code code (uint32) | reason (UTF-8, at most 1024 bytes)}. */
  static final long CLOSE_WEBTRANSPORT_SESSION = 0x2843;
  /** Longest reason in a close capsule (draft-ietf-webtrans-http3 §6). */
  static final int MAX_CLOSE_REASON_BYTES = 1024;
  /** The longest capsule header: two 8-byte varints. */
  private static final int MAX_HEADER = 16;

  /** What one call to {@link #read} found. */
  enum Result {
    /** Nothing to act on (yet). */
    NONE,
    /** A complete CLOSE_WEBTRANSPORT_SESSION: {@link #closeCode()} holds its code. */
    CLOSE,
    /** A malformed capsule or bytes after the close: reset the stream with H3_MESSAGE_ERROR. */
    MALFORMED
  }

  /** The current capsule header's bytes so far (plain bytes: nothing to release). */
  private final byte[] header = new byte[MAX_HEADER];
  private int headerLength;
  /** The current capsule's type once its header is read; -1 while reading a header. */
  private long type = -1;
  /** Value bytes of the current capsule still to read (or skip). */
  private long remaining;
  /** The close capsule's value (code and reason) while it is read; {@code null} otherwise. */
  private byte[] closeValue;
  private int closeValueLength;
  private boolean closed;
  private long closeCode;
  private String closeReason = "";

  /** The code of the client's CLOSE_WEBTRANSPORT_SESSION, once {@link Result#CLOSE} was returned. */
  long closeCode() {
    return closeCode;
  }

  /** The reason of the client's CLOSE_WEBTRANSPORT_SESSION (UTF-8 decoded, malformed bytes replaced). */
  String closeReason() {
    return closeReason;
  }

  /** Reads what {@code in} holds (all of it, unless the result is not {@link Result#NONE}); does not release it. */
  Result read(ByteBuf in) {
    while (in.isReadable()) {
      if (closed) {
        return Result.MALFORMED; // draft-ietf-webtrans-http3 §6: no stream data after the close capsule
      }
      if (type < 0) {
        if (!readHeader(in)) {
          return Result.NONE;
        }
        if (type == CLOSE_WEBTRANSPORT_SESSION) {
          if (remaining < 4 || remaining > 4 + MAX_CLOSE_REASON_BYTES) {
            return Result.MALFORMED;
          }
          closeValue = new byte[(int) remaining];
          closeValueLength = 0;
        }
      }
      int n = (int) Math.min(remaining, in.readableBytes());
      if (closeValue != null) {
        in.readBytes(closeValue, closeValueLength, n);
        closeValueLength += n;
      } else {
        in.skipBytes(n);
      }
      remaining -= n;
      if (remaining == 0) {
        type = -1;
        if (closeValue != null) {
          closeCode = ((closeValue[0] & 0xFFL) << 24) | ((closeValue[1] & 0xFF) << 16)
              | ((closeValue[2] & 0xFF) << 8) | (closeValue[3] & 0xFF);
          closeReason = new String(closeValue, 4, closeValue.length - 4, StandardCharsets.UTF_8);
          closeValue = null;
          closed = true;
          return in.isReadable() ? Result.MALFORMED : Result.CLOSE;
        }
      }
    }
    return Result.NONE;
  }

  /** Whether the stream ended in the middle of a capsule (RFC 9297 §3.3: the message is malformed). */
  boolean midCapsule() {
    return type >= 0 || headerLength > 0;
  }

  /** Completes the header from {@code in}; {@code true} once type and length are known. */
  private boolean readHeader(ByteBuf in) {
    while (in.isReadable()) {
      header[headerLength++] = in.readByte();
      int typeLength = Varints.length(header[0]);
      if (headerLength <= typeLength) {
        continue;
      }
      int lengthLength = Varints.length(header[typeLength]);
      if (headerLength < typeLength + lengthLength) {
        continue;
      }
      ByteBuf h = Unpooled.wrappedBuffer(header, 0, headerLength);
      type = Varints.get(h, 0);
      remaining = Varints.get(h, typeLength);
      headerLength = 0;
      return true;
    }
    return false;
  }
}
