package io.livepush;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Something to publish: an optional type and a payload that is text, a JSON value or bytes. The server gives
 * it an {@link EventId} when it is published.
 *
 * <pre>{@code
 * server.publish("match:42", Event.json(Map.of("home", 3, "away", 2)).withType("score-update"));
 * server.publish("chat", Event.text("hello"));
 * }</pre>
 *
 * <h2>Type</h2>
 * Becomes the SSE {@code event:} field (WHATWG HTML §9.2.6) and the {@code event} member of WebSocket event
 * messages. At most {@value #MAX_TYPE_LENGTH} characters, without CR, LF or NUL (which would inject fields into
 * an event stream), and never {@value #RESET_TYPE} or a type starting with {@value #RESERVED_PREFIX} (such as
 * {@value #POSITION_TYPE}), which livepush reserves for its own signals.
 *
 * <h2>Payload</h2>
 * <ul>
 *   <li>{@link #text(String)}: sent as UTF-8. Line breaks of every kind are kept (SSE splits them into
 *       {@code data:} lines that clients join with LF). Unpaired surrogates become U+FFFD.
 *   <li>{@link #json(Object)}: serialised with the server's Jackson {@code ObjectMapper} at publish time.
 *   <li>{@link #binary(byte[])}: WebSocket sends a binary frame; SSE sends the bytes base64-encoded (RFC 4648
 *       §4) as the data, since an event stream is text.
 * </ul>
 * Instances are immutable and may be shared between threads and published to many topics.
 */
public final class Event {

  /** The type livepush reserves for "cannot resume, reload your state". */
  public static final String RESET_TYPE = "reset";
  /**
   * The SSE event type of the stream position block (an {@code id} with data {@code {"id":"<position>"}}),
   * which every EventSource implementation records as the last event id; see {@code docs/protocol.md}.
   */
  public static final String POSITION_TYPE = "livepush.position";
  /** Event types starting with this prefix are reserved for livepush's own signals. */
  public static final String RESERVED_PREFIX = "livepush.";
  /** Longest event type. */
  public static final int MAX_TYPE_LENGTH = 128;

  /** How the payload is carried. */
  public enum Kind {
    /** UTF-8 text. */
    TEXT,
    /** A JSON document (UTF-8). */
    JSON,
    /** Opaque bytes. */
    BINARY
  }

  private static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

  private final String type;
  private final Kind kind;
  private final Object payload; // byte[] for TEXT/BINARY and serialised JSON, any object for JSON

  private Event(String type, Kind kind, Object payload) {
    this.type = type;
    this.kind = kind;
    this.payload = payload;
  }

  /** A text event; {@code data} may be empty, never null. */
  public static Event text(String data) {
    return new Event(null, Kind.TEXT, utf8(Objects.requireNonNull(data, "data")));
  }

  /** A JSON event: {@code value} is serialised with the server's {@code ObjectMapper} when published. */
  public static Event json(Object value) {
    return new Event(null, Kind.JSON, value);
  }

  /** A JSON event whose document is already serialised; {@code json} is not checked. */
  public static Event rawJson(String json) {
    return new Event(null, Kind.JSON, new RawJson(utf8(Objects.requireNonNull(json, "json"))));
  }

  /** A binary event; the array is copied. */
  public static Event binary(byte[] data) {
    return new Event(null, Kind.BINARY, Objects.requireNonNull(data, "data").clone());
  }

  /**
   * Returns a copy with {@code type}, or without a type for {@code null}.
   *
   * @throws InvalidEventException if the type is empty, too long, contains CR, LF or NUL, or is reserved
   */
  public Event withType(String type) {
    return new Event(validateType(type), kind, payload);
  }

  /** Checks an event type against the rules above and returns it. */
  public static String validateType(String type) {
    if (type == null) {
      return null;
    }
    if (type.isEmpty() || type.length() > MAX_TYPE_LENGTH) {
      throw new InvalidEventException("event type length " + type.length() + " (expected: 1.."
          + MAX_TYPE_LENGTH + ")");
    }
    for (int i = 0; i < type.length(); i++) {
      char c = type.charAt(i);
      if (c == '\r' || c == '\n' || c == '\0') {
        throw new InvalidEventException("event type contains CR, LF or NUL at index " + i);
      }
    }
    if (RESET_TYPE.equals(type) || type.startsWith(RESERVED_PREFIX)) {
      throw new InvalidEventException("event types \"" + RESET_TYPE + "\" and \"" + RESERVED_PREFIX
          + "*\" are reserved for livepush");
    }
    return type;
  }

  /** The type, or {@code null}. */
  public String type() {
    return type;
  }

  /** How the payload is carried. */
  public Kind kind() {
    return kind;
  }

  /**
   * The payload bytes for {@link Kind#TEXT} and {@link Kind#BINARY} and pre-serialised JSON (a copy), or
   * {@code null} for a JSON value that the server has yet to serialise.
   */
  public byte[] bytes() {
    if (payload instanceof byte[]) {
      return ((byte[]) payload).clone();
    }
    if (payload instanceof RawJson) {
      return ((RawJson) payload).bytes.clone();
    }
    return null;
  }

  /** The JSON value given to {@link #json(Object)}, or {@code null} for other kinds. */
  public Object jsonValue() {
    return kind == Kind.JSON && !(payload instanceof RawJson) ? payload : null;
  }

  /** Internal: the payload bytes without copying; callers must not modify them. */
  byte[] bytesUnsafe() {
    if (payload instanceof byte[]) {
      return (byte[]) payload;
    }
    return payload instanceof RawJson ? ((RawJson) payload).bytes : null;
  }

  /** Encodes {@code s} as UTF-8, turning unpaired surrogates into U+FFFD. */
  static byte[] utf8(String s) {
    // Fast path: no surrogates at all.
    boolean surrogates = false;
    for (int i = 0; i < s.length(); i++) {
      if (Character.isSurrogate(s.charAt(i))) {
        surrogates = true;
        break;
      }
    }
    if (!surrogates) {
      return s.getBytes(StandardCharsets.UTF_8);
    }
    CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
        .onMalformedInput(CodingErrorAction.REPLACE)
        .onUnmappableCharacter(CodingErrorAction.REPLACE)
        .replaceWith(REPLACEMENT);
    try {
      ByteBuffer out = encoder.encode(CharBuffer.wrap(s));
      return Arrays.copyOfRange(out.array(), out.arrayOffset() + out.position(),
          out.arrayOffset() + out.limit());
    } catch (CharacterCodingException e) {
      throw new IllegalStateException("REPLACE never throws", e);
    }
  }

  @Override
  public String toString() {
    return "Event{type=" + type + ", kind=" + kind + "}";
  }

  private static final class RawJson {
    final byte[] bytes;

    RawJson(byte[] bytes) {
      this.bytes = bytes;
    }
  }
}
