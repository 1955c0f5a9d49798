package io.livepush.client.internal;

import io.livepush.client.EventTooLargeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Parses {@code text/event-stream} exactly as WHATWG HTML §9.2.6 ("Interpreting an event stream") says, whatever
 * server wrote it: one leading U+FEFF BOM skipped; CR, LF and CRLF all end a line (also when CR and LF arrive in
 * different buffers); lines starting with {@code :} are comments; {@code field:value} with one leading space
 * removed from the value, a line without colon is a field with an empty value; {@code data} appends value + LF,
 * {@code event} sets the type, {@code id} sets the last event ID buffer unless the value contains NUL,
 * {@code retry} sets the reconnection time when the value is ASCII digits only; unknown fields are ignored. A
 * blank line dispatches: the last event ID is updated (also by a block without data), an empty data buffer
 * dispatches nothing, one trailing LF is removed from the data; the last event ID is kept across events. Bytes are
 * UTF-8 decoded with U+FFFD for malformed sequences. An incomplete event at the end of the stream is never
 * dispatched (the caller simply stops feeding).
 *
 * <p><b>Bounds:</b> a line, or an event's data, longer than {@code maxEventBytes} throws
 * {@link EventTooLargeException}; comment lines are skipped without being buffered, so they cost nothing.
 *
 * <p>Not thread-safe: one stream, one thread at a time.
 */
public final class SseParser {
  /** Receives what the stream says. */
  public interface Handler {
    /**
     * An event is dispatched.
     *
     * @param type the event type buffer, or {@code null} when empty (the standard's default type "message")
     * @param data the data buffer without its trailing LF
     * @param lastEventId the stream's last event ID at dispatch ({@code ""} when none)
     * @return {@code false} to stop reading the current buffer after this event; {@link #feed} returns and the
     *     caller feeds the rest of the buffer later
     */
    boolean onEvent(String type, String data, String lastEventId);

    /** A block without data changed the last event ID (for example livepush's position block). */
    void onLastEventId(String lastEventId);

    /** A valid {@code retry} field: the reconnection time in milliseconds (saturated at {@link Long#MAX_VALUE}). */
    void onRetry(long millis);
  }

  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
  private static final byte[] DATA = ascii("data");
  private static final byte[] EVENT = ascii("event");
  private static final byte[] ID = ascii("id");
  private static final byte[] RETRY = ascii("retry");

  private final Handler handler;
  private final int maxEventBytes;
  private final int maxLineBytes;

  private int bomMatched; // BOM bytes seen at the stream's start; 3 once the start is past
  private boolean skipLf; // the last line ended with CR: a following LF belongs to it
  private boolean comment; // the current line is a comment: its bytes are skipped
  private byte[] line = new byte[256];
  private int lineLength;
  private byte[] data = new byte[256];
  private int dataLength;
  private boolean hasData; // the data buffer is not the empty string
  private String eventType = "";
  private String lastEventIdBuffer = "";
  private String lastEventId = "";

  /**
   * @param lastEventId the event source's last event ID so far ({@code ""} for none): WHATWG keeps it across
   *     reconnections, so events of the next connection without an {@code id} field carry it
   * @param maxEventBytes the largest line and the largest event data, in bytes
   */
  public SseParser(Handler handler, String lastEventId, int maxEventBytes) {
    this.handler = handler;
    this.lastEventId = lastEventId;
    this.lastEventIdBuffer = lastEventId;
    this.maxEventBytes = maxEventBytes;
    this.maxLineBytes = maxEventBytes + 8; // "data: " and a little more around the largest payload line
  }

  /** The stream's last event ID ({@code ""} when none). */
  public String lastEventId() {
    return lastEventId;
  }

  /**
   * Parses bytes from {@code in}'s position. Returns when {@code in} is exhausted, or right after an event whose
   * {@link Handler#onEvent} returned {@code false} (then {@code in} has bytes left).
   *
   * @throws EventTooLargeException when a line or an event's data exceeds the bound
   */
  public void feed(ByteBuffer in) {
    while (in.hasRemaining()) {
      byte b = in.get();
      if (bomMatched < BOM.length) {
        if (b == BOM[bomMatched]) {
          bomMatched++;
          continue;
        }
        int matched = bomMatched;
        bomMatched = BOM.length;
        for (int i = 0; i < matched; i++) {
          append(BOM[i]); // not a BOM after all: the bytes belong to the first line
        }
      }
      if (skipLf) {
        skipLf = false;
        if (b == '\n') {
          continue;
        }
      }
      if (b == '\r' || b == '\n') {
        skipLf = b == '\r';
        if (!endOfLine()) {
          return;
        }
        continue;
      }
      if (comment) {
        continue;
      }
      if (lineLength == 0 && b == ':') {
        comment = true;
        continue;
      }
      append(b);
    }
  }

  private void append(byte b) {
    if (lineLength >= maxLineBytes) {
      throw new EventTooLargeException("a line of the event stream is longer than " + maxLineBytes + " bytes",
          maxLineBytes);
    }
    if (lineLength == line.length) {
      line = Arrays.copyOf(line, Math.min(maxLineBytes, line.length * 2));
    }
    line[lineLength++] = b;
  }

  /** Processes the line just ended; returns {@code false} when the handler asked to pause. */
  private boolean endOfLine() {
    if (comment) {
      comment = false;
      return true;
    }
    if (lineLength == 0) {
      return dispatch();
    }
    int colon = indexOf(line, lineLength, (byte) ':');
    int nameEnd = colon < 0 ? lineLength : colon;
    int valueStart = colon < 0 ? lineLength : colon + 1;
    if (valueStart < lineLength && line[valueStart] == ' ') {
      valueStart++;
    }
    int valueLength = lineLength - valueStart;
    if (is(DATA, nameEnd)) {
      appendData(valueStart, valueLength);
    } else if (is(EVENT, nameEnd)) {
      eventType = utf8(line, valueStart, valueLength);
    } else if (is(ID, nameEnd)) {
      if (indexOf(line, valueStart, lineLength, (byte) 0) < 0) {
        lastEventIdBuffer = utf8(line, valueStart, valueLength);
      }
    } else if (is(RETRY, nameEnd)) {
      retry(valueStart, valueLength);
    }
    lineLength = 0;
    return true;
  }

  private void appendData(int start, int length) {
    int needed = dataLength + length + 1;
    if (needed - 1 > maxEventBytes) {
      throw new EventTooLargeException("an event's data is longer than " + maxEventBytes + " bytes", maxEventBytes);
    }
    if (needed > data.length) {
      data = Arrays.copyOf(data, Math.max(needed, Math.min(maxEventBytes + 1, data.length * 2)));
    }
    System.arraycopy(line, start, data, dataLength, length);
    dataLength += length;
    data[dataLength++] = '\n';
    hasData = true;
  }

  private void retry(int start, int length) {
    if (length == 0) {
      return;
    }
    long value = 0;
    for (int i = start; i < start + length; i++) {
      byte c = line[i];
      if (c < '0' || c > '9') {
        return;
      }
      value = value > (Long.MAX_VALUE - 9) / 10 ? Long.MAX_VALUE : value * 10 + (c - '0');
    }
    handler.onRetry(value);
  }

  private boolean dispatch() {
    boolean changed = !lastEventId.equals(lastEventIdBuffer);
    lastEventId = lastEventIdBuffer;
    if (!hasData) {
      eventType = "";
      if (changed) {
        handler.onLastEventId(lastEventId);
      }
      return true;
    }
    String text = utf8(data, 0, dataLength - 1); // without the trailing LF
    String type = eventType.isEmpty() ? null : eventType;
    dataLength = 0;
    hasData = false;
    eventType = "";
    if (data.length > 4096) {
      data = new byte[256]; // do not keep one large event's buffer for the life of the stream
    }
    if (line.length > 4096) {
      line = new byte[256];
    }
    return handler.onEvent(type, text, lastEventId);
  }

  private boolean is(byte[] name, int length) {
    return length == name.length && Arrays.equals(line, 0, length, name, 0, length);
  }

  private static int indexOf(byte[] bytes, int end, byte b) {
    return indexOf(bytes, 0, end, b);
  }

  private static int indexOf(byte[] bytes, int from, int end, byte b) {
    for (int i = from; i < end; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static String utf8(byte[] bytes, int start, int length) {
    return new String(bytes, start, length, StandardCharsets.UTF_8); // malformed input becomes U+FFFD
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
