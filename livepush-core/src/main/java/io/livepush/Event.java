package io.livepush;

import io.livepush.spi.Surrogates;
import java.nio.charset.StandardCharsets;
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
 * messages. 1 to {@value #MAX_TYPE_LENGTH} characters of Unicode without control characters (C0, DEL, C1: CR,
 * LF and NUL would inject fields into an event stream), line or paragraph separators (U+2028, U+2029) and
 * unpaired surrogates (they have no UTF-8 form), and never {@value #RESET_TYPE} or a type starting with
 * {@value #RESERVED_PREFIX} (such as {@value #POSITION_TYPE}), which livepush reserves for its own signals.
 * Anything else throws {@link InvalidEventException}.
 *
 * <h2>Payload</h2>
 * <ul>
 *   <li>{@link #text(String)}: sent as UTF-8. Line breaks of every kind are kept (SSE splits them into
 *       {@code data:} lines that clients join with LF). A string with an unpaired surrogate is refused
 *       ({@link InvalidEventException}): it has no UTF-8 form, and livepush never changes a character silently.
 *   <li>{@link #json(Object)}: serialised with the server's Jackson {@code ObjectMapper} at publish time.
 *   <li>{@link #rawJson(String)}: checked here to be exactly one JSON value (RFC 8259) without duplicate object
 *       keys, in one pass of Jackson's streaming parser, so it cannot smuggle members into the WebSocket
 *       message it is embedded in.
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

  private final String type;
  private final Kind kind;
  private final Object payload; // byte[] for TEXT/BINARY and serialised JSON, any object for JSON

  private Event(String type, Kind kind, Object payload) {
    this.type = type;
    this.kind = kind;
    this.payload = payload;
  }

  /**
   * A text event; {@code data} may be empty, never null.
   *
   * @param data the text, encoded as UTF-8 now; not {@code null}, may be empty
   * @return a new event without a type
   * @throws NullPointerException if {@code data} is {@code null}
   * @throws InvalidEventException if {@code data} has an unpaired surrogate
   */
  public static Event text(String data) {
    return new Event(null, Kind.TEXT, utf8(Objects.requireNonNull(data, "data"), "text"));
  }

  /**
   * A JSON event: {@code value} is serialised with the server's {@code ObjectMapper} when published.
   *
   * @param value the value to serialise, held by reference until then (do not mutate it meanwhile); {@code null}
   *     publishes the JSON {@code null}
   * @return a new event without a type
   */
  public static Event json(Object value) {
    return new Event(null, Kind.JSON, value);
  }

  /**
   * A JSON event whose document is already serialised. Costs one streaming parse of {@code json} (see
   * {@code docs/benchmarks.md}); Jackson's default read constraints apply (nesting depth, number and string
   * lengths).
   *
   * @throws InvalidEventException unless {@code json} is exactly one JSON value (RFC 8259 §2; whitespace
   *     around it allowed) without duplicate keys in any object, and without unpaired surrogates
   * @throws NullPointerException if {@code json} is {@code null}
   * @param json the serialised document; not {@code null}
   * @return a new event without a type, carrying {@code json} as UTF-8
   */
  public static Event rawJson(String json) {
    byte[] bytes = utf8(Objects.requireNonNull(json, "json"), "JSON");
    JsonCheck.singleValue(bytes);
    return new Event(null, Kind.JSON, new RawJson(bytes));
  }

  /**
   * A binary event; the array is copied.
   *
   * @param data the bytes; not {@code null}, may be empty
   * @return a new event without a type
   * @throws NullPointerException if {@code data} is {@code null}
   */
  public static Event binary(byte[] data) {
    return new Event(null, Kind.BINARY, Objects.requireNonNull(data, "data").clone());
  }

  /**
   * Returns a copy with {@code type}, or without a type for {@code null}.
   *
   * @param type the event type (see {@link #validateType}), or {@code null} for none
   * @return a new event with the same payload; this one is unchanged
   * @throws InvalidEventException if the type is empty, too long, contains CR, LF or NUL, or is reserved
   */
  public Event withType(String type) {
    return new Event(validateType(type), kind, payload);
  }

  /**
   * Checks an event type against the rules above and returns it; {@code null} passes.
   *
   * @param type the candidate type, or {@code null}
   * @return {@code type} itself
   * @throws InvalidEventException naming the rule broken
   */
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
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029) {
        throw new InvalidEventException("event type contains control character U+"
            + String.format("%04X", (int) c) + " at index " + i);
      }
      if (Character.isSurrogate(c) && Surrogates.isUnpaired(type, i)) {
        throw new InvalidEventException("event type has an unpaired surrogate at index " + i);
      }
    }
    if (RESET_TYPE.equals(type) || type.startsWith(RESERVED_PREFIX)) {
      throw new InvalidEventException("event types \"" + RESET_TYPE + "\" and \"" + RESERVED_PREFIX
          + "*\" are reserved for livepush");
    }
    return type;
  }

  /**
   * The event type.
   *
   * @return the type, or {@code null} for none (clients see the default, {@code message})
   */
  public String type() {
    return type;
  }

  /**
   * How the payload is carried.
   *
   * @return the kind; never {@code null}
   */
  public Kind kind() {
    return kind;
  }

  /**
   * The payload bytes for {@link Kind#TEXT} and {@link Kind#BINARY} and pre-serialised JSON (a copy), or
   * {@code null} for a JSON value that the server has yet to serialise.
   *
   * @return a fresh copy of the bytes (the caller owns it), or {@code null} as above
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

  /**
   * The JSON value given to {@link #json(Object)}.
   *
   * @return that value (by reference, not copied), or {@code null} for other kinds and for pre-serialised JSON
   */
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

  /**
   * Encodes {@code s} as UTF-8.
   *
   * @throws InvalidEventException if {@code s} has an unpaired surrogate (never replaced: no silent changes)
   */
  static byte[] utf8(String s, String what) {
    int unpaired = Surrogates.firstUnpaired(s);
    if (unpaired >= 0) {
      throw new InvalidEventException(what + " payload has an unpaired surrogate at index " + unpaired);
    }
    return s.getBytes(StandardCharsets.UTF_8);
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
