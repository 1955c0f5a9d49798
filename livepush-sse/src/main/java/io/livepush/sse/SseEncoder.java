package io.livepush.sse;

import io.livepush.Event;
import io.livepush.InvalidEventException;
import io.livepush.InvalidEventIdException;
import io.livepush.spi.Surrogates;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * Encodes the {@code text/event-stream} format of WHATWG HTML §9.2.6 ("Interpreting an event stream"):
 *
 * <ul>
 *   <li>UTF-8, LF line endings only, never a byte order mark.
 *   <li>Each line of the payload becomes one {@code data: } line; CR, LF and CRLF all count as line breaks
 *       (clients treat all three as such, so a bare CR must never reach the wire inside a field). Clients join
 *       the lines with LF. Every {@code data} value is written after one space, so a payload line that starts
 *       with a space keeps it.
 *   <li>{@code id} values are at most {@value #MAX_ID_LENGTH} characters of printable ASCII (U+0020..U+007E),
 *       checked by {@link #validateId}: non-ASCII ids are refused rather than encoded, because browsers echo
 *       the id in the {@code Last-Event-ID} request header, where only ASCII is portable (RFC 9110 §5.5) and
 *       unsafe bytes force a CORS preflight. {@code event} values are checked again here (no CR, LF, NUL, no
 *       unpaired surrogate) and encoded as UTF-8. No character is ever narrowed or replaced: the encoder throws
 *       instead, so no field can be injected (an id with U+010A once became LF).
 *   <li>Binary payloads are sent base64-encoded (RFC 4648 §4) on one {@code data:} line.
 * </ul>
 * Stateless and thread-safe.
 */
public final class SseEncoder {
  private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] RETRY = "retry: ".getBytes(StandardCharsets.US_ASCII);

  /** Longest {@code id} value, in characters (= bytes: ids are ASCII). */
  public static final int MAX_ID_LENGTH = 128;

  /** A comment line with no text: the cheapest heartbeat (2 bytes). */
  public static final byte[] HEARTBEAT = {':', '\n'};

  private SseEncoder() {}

  /**
   * Checks an SSE {@code id} value: at most {@value #MAX_ID_LENGTH} characters, each printable ASCII
   * (U+0020..U+007E); the empty id is valid (it clears the client's last event id, WHATWG HTML §9.2.6).
   *
   * @param id the candidate id; not {@code null}
   * @return {@code id}
   * @throws NullPointerException if {@code id} is {@code null}
   * @throws InvalidEventIdException naming the first character broken
   */
  public static String validateId(String id) {
    if (id.length() > MAX_ID_LENGTH) {
      throw new InvalidEventIdException("SSE id is " + id.length() + " characters (expected: <= "
          + MAX_ID_LENGTH + ")");
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        throw new InvalidEventIdException("SSE id has U+" + String.format("%04X", (int) c) + " at index " + i
            + " (expected: printable ASCII, U+0020..U+007E)");
      }
    }
    return id;
  }

  /**
   * Encodes one complete event, ending with the blank line that dispatches it.
   *
   * @param id the {@code id} field or {@code null}
   * @param type the {@code event} field or {@code null}
   * @param kind how {@code payload} is carried; {@link Event.Kind#BINARY} is sent as Base64
   * @param payload the data, UTF-8 for text and JSON; not modified; CR, LF and CRLF split it into
   *     {@code data:} lines
   * @return a new array holding the encoded block
   * @throws InvalidEventIdException if {@code id} fails {@link #validateId}
   * @throws InvalidEventException if {@code type} has CR, LF, NUL or an unpaired surrogate
   */
  public static byte[] event(String id, String type, Event.Kind kind, byte[] payload) {
    if (kind == Event.Kind.BINARY) {
      payload = Base64.getEncoder().encode(payload);
    }
    Out out = new Out(payload.length + 32 + (id == null ? 0 : id.length()) + (type == null ? 0 : type.length()));
    if (id != null) {
      out.write(ID).writeAscii(validateId(id)).write('\n');
    }
    if (type != null) {
      out.write(EVENT).write(fieldUtf8(type)).write('\n');
    }
    writeData(out, payload);
    out.write('\n');
    return out.toByteArray();
  }

  /**
   * The stream position block: event type {@value io.livepush.Event#POSITION_TYPE}, {@code id} {@code position}
   * and data {@code {"id":"<position>"}}. Unlike an id-only block it carries data, so every EventSource
   * implementation dispatches it and records its id as the last event id (some, like the npm
   * {@code eventsource} package, record ids only of blocks with data); being a named event it never reaches
   * {@code onmessage}.
   *
   * @param position an event id's wire form ({@code [0-9a-z-]}, so it needs no JSON escaping)
   * @return a new array holding the encoded block
   */
  public static byte[] position(String position) {
    byte[] data = ("{\"id\":\"" + position + "\"}").getBytes(StandardCharsets.US_ASCII);
    return event(position, io.livepush.Event.POSITION_TYPE, Event.Kind.JSON, data);
  }

  /** A field value as UTF-8, refusing what would end the line or has no UTF-8 form. */
  private static byte[] fieldUtf8(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\r' || c == '\n' || c == '\0') {
        throw new InvalidEventException("SSE field value has CR, LF or NUL at index " + i);
      }
      if (Character.isSurrogate(c) && Surrogates.isUnpaired(value, i)) {
        throw new InvalidEventException("SSE field value has an unpaired surrogate at index " + i);
      }
    }
    return value.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A {@code retry:} field in its own block, setting the client's reconnection time in milliseconds.
   *
   * @param millis the reconnection time in milliseconds, &ge; 0
   * @return a new array holding the encoded block
   * @throws IllegalArgumentException if {@code millis} is negative
   */
  public static byte[] retry(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("retry: " + millis + " (expected: >= 0)");
    }
    return new Out(24).write(RETRY).writeAscii(Long.toString(millis)).write('\n').write('\n').toByteArray();
  }

  /**
   * A comment block; line breaks in {@code text} start new comment lines, so it cannot inject fields.
   *
   * @param text the comment; not {@code null}, may be empty
   * @return a new array holding the encoded block
   * @throws io.livepush.InvalidEventException if {@code text} has an unpaired surrogate (no UTF-8 form; never
   *     replaced)
   */
  public static byte[] comment(String text) {
    byte[] bytes = io.livepush.Event.text(text).bytes(); // strict UTF-8: refuses unpaired surrogates
    Out out = new Out(bytes.length + 8);
    int start = 0;
    for (int i = 0; i <= bytes.length; i++) {
      if (i == bytes.length || bytes[i] == '\n' || bytes[i] == '\r') {
        out.write(':').write(' ').write(bytes, start, i - start).write('\n');
        if (i < bytes.length && bytes[i] == '\r' && i + 1 < bytes.length && bytes[i + 1] == '\n') {
          i++;
        }
        start = i + 1;
      }
    }
    return out.write('\n').toByteArray();
  }

  private static void writeData(Out out, byte[] payload) {
    // UTF-8 continuation bytes are >= 0x80, so scanning bytes for CR and LF is safe.
    int start = 0;
    int n = payload.length;
    for (int i = 0; i < n; i++) {
      byte b = payload[i];
      if (b == '\n' || b == '\r') {
        out.write(DATA).write(payload, start, i - start).write('\n');
        if (b == '\r' && i + 1 < n && payload[i + 1] == '\n') {
          i++;
        }
        start = i + 1;
      }
    }
    out.write(DATA).write(payload, start, n - start).write('\n');
  }

  /** A minimal unsynchronised byte builder. */
  private static final class Out {
    private byte[] buf;
    private int len;

    Out(int capacity) {
      buf = new byte[Math.max(16, capacity)];
    }

    private void ensure(int extra) {
      if (len + extra > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
      }
    }

    Out write(int b) {
      ensure(1);
      buf[len++] = (byte) b;
      return this;
    }

    Out write(byte[] b) {
      return write(b, 0, b.length);
    }

    Out write(byte[] b, int off, int n) {
      ensure(n);
      System.arraycopy(b, off, buf, len, n);
      len += n;
      return this;
    }

    /** Writes ASCII text; a character above U+007F is a bug upstream and throws instead of being cut to a byte. */
    Out writeAscii(String s) {
      ensure(s.length());
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c > 0x7f) {
          throw new IllegalArgumentException("not ASCII: U+" + String.format("%04X", (int) c));
        }
        buf[len++] = (byte) c;
      }
      return this;
    }

    byte[] toByteArray() {
      return len == buf.length ? buf : Arrays.copyOf(buf, len);
    }
  }
}
