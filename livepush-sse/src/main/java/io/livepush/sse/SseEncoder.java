package io.livepush.sse;

import io.livepush.Event;
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
 *   <li>{@code id} and {@code event} values never contain CR, LF or NUL ({@link io.livepush.Event} and
 *       {@link io.livepush.EventId} reject them), so no field can be injected.
 *   <li>Binary payloads are sent base64-encoded (RFC 4648 §4) on one {@code data:} line.
 * </ul>
 * Stateless and thread-safe.
 */
public final class SseEncoder {
  private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] RETRY = "retry: ".getBytes(StandardCharsets.US_ASCII);

  /** A comment line with no text: the cheapest heartbeat (2 bytes). */
  public static final byte[] HEARTBEAT = {':', '\n'};

  private SseEncoder() {}

  /**
   * Encodes one complete event, ending with the blank line that dispatches it.
   *
   * @param id the {@code id} field or {@code null}
   * @param type the {@code event} field or {@code null}
   */
  public static byte[] event(String id, String type, Event.Kind kind, byte[] payload) {
    if (kind == Event.Kind.BINARY) {
      payload = Base64.getEncoder().encode(payload);
    }
    Out out = new Out(payload.length + 32 + (id == null ? 0 : id.length()) + (type == null ? 0 : type.length()));
    if (id != null) {
      out.write(ID).writeAscii(id).write('\n');
    }
    if (type != null) {
      out.write(EVENT).writeUtf8(type).write('\n');
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
   */
  public static byte[] position(String position) {
    byte[] data = ("{\"id\":\"" + position + "\"}").getBytes(StandardCharsets.US_ASCII);
    return event(position, io.livepush.Event.POSITION_TYPE, Event.Kind.JSON, data);
  }

  /** A {@code retry:} field in its own block, setting the client's reconnection time in milliseconds. */
  public static byte[] retry(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("retry: " + millis + " (expected: >= 0)");
    }
    return new Out(24).write(RETRY).writeAscii(Long.toString(millis)).write('\n').write('\n').toByteArray();
  }

  /** A comment block; line breaks in {@code text} start new comment lines. */
  public static byte[] comment(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
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

    Out writeAscii(String s) {
      ensure(s.length());
      for (int i = 0; i < s.length(); i++) {
        buf[len++] = (byte) s.charAt(i);
      }
      return this;
    }

    Out writeUtf8(String s) {
      return write(s.getBytes(StandardCharsets.UTF_8));
    }

    byte[] toByteArray() {
      return len == buf.length ? buf : Arrays.copyOf(buf, len);
    }
  }
}
