package io.livepush;

import java.util.Objects;

/**
 * The position of an event in a livepush replay log: an <em>epoch</em> naming one continuous history and an
 * <em>offset</em> within it.
 *
 * <h2>Wire form</h2>
 * {@code <epoch>-<offset>}, both lower-case base 36, for example {@code k3x9a1-2s}. It is at most
 * {@value #MAX_LENGTH} characters of {@code [0-9a-z-]}, so browsers send it back in {@code Last-Event-ID}
 * without a CORS preflight (WHATWG HTML §9.2, "Server-sent events": ids are echoed verbatim; the Fetch standard
 * treats values over 128 bytes or with unsafe bytes as non-safelisted).
 *
 * <h2>One id for every topic and transport</h2>
 * Offsets are assigned from <em>one</em> sequence per log (per server, or per cluster with a shared bus), and
 * every connection receives events in offset order. So the id of the last event a connection saw says "I have
 * everything up to here" for <em>all</em> the topics it follows: an SSE stream over several topics resumes
 * from the single {@code Last-Event-ID}, and the same id resumes a WebSocket subscription. Offsets within one
 * topic are increasing but not contiguous. See {@code docs/protocol.md}.
 *
 * <h2>{@code earliest}</h2>
 * {@link #EARLIEST} (wire form {@code earliest}) is a resume position, not an event's id: "everything the log
 * still retains". Each topic resolves it when it is subscribed, to the position just before its oldest retained
 * event, so a late joiner gets the topic's retained history and never a {@code too-old} reset.
 *
 * <p>Instances are immutable and compare by epoch, then offset ({@link #EARLIEST} before every other id).
 */
public final class EventId implements Comparable<EventId> {

  /** Longest wire form accepted by {@link #parse(String)}. */
  public static final int MAX_LENGTH = 40;

  /** The wire form of {@link #EARLIEST}. */
  public static final String EARLIEST_TEXT = "earliest";

  /**
   * The resume position "everything still retained" (wire form {@code earliest}); resolved per topic at
   * subscribe time. It is never the id of an event: {@link #epoch()} and {@link #offset()} are {@code -1}.
   */
  public static final EventId EARLIEST = new EventId(-1, -1);

  private static final int MAX_PART = 13; // Long.MAX_VALUE in base 36 has 13 digits

  private final long epoch;
  private final long offset;
  private String text;

  private EventId(long epoch, long offset) {
    this.epoch = epoch;
    this.offset = offset;
  }

  /**
   * Returns the id for {@code offset} in {@code epoch}.
   *
   * @param epoch the epoch, &ge; 0
   * @param offset the offset within the epoch, &ge; 0 ({@code 0}: before the first event)
   * @return the id
   * @throws IllegalArgumentException if either is negative
   */
  public static EventId of(long epoch, long offset) {
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch: " + epoch + " (expected: >= 0)");
    }
    if (offset < 0) {
      throw new IllegalArgumentException("offset: " + offset + " (expected: >= 0)");
    }
    return new EventId(epoch, offset);
  }

  /**
   * Parses the wire form of an event id.
   *
   * @param text the wire form, {@code <epoch>-<offset>}; not {@code null}
   * @return the id
   * @throws NullPointerException if {@code text} is {@code null}
   * @throws InvalidEventIdException if {@code text} is longer than {@value #MAX_LENGTH} characters, has a
   *     character outside {@code [0-9a-z-]}, or is not exactly two non-empty base-36 parts
   */
  public static EventId parse(String text) {
    Objects.requireNonNull(text, "text");
    return parseId(text);
  }

  /**
   * Parses a resume position as clients send it: an event id, or {@code earliest} ({@link #EARLIEST}).
   *
   * @param text the wire form or {@code earliest}; not {@code null}
   * @return the id, or {@link #EARLIEST}
   * @throws NullPointerException if {@code text} is {@code null}
   * @throws InvalidEventIdException as {@link #parse(String)} for anything else
   */
  public static EventId parsePosition(String text) {
    Objects.requireNonNull(text, "text");
    return EARLIEST_TEXT.equals(text) ? EARLIEST : parseId(text);
  }

  private static EventId parseId(String text) {
    if (text.length() > MAX_LENGTH) {
      throw new InvalidEventIdException("event id is " + text.length() + " characters (expected: <= "
          + MAX_LENGTH + ")");
    }
    int dash = text.indexOf('-');
    if (dash <= 0 || dash == text.length() - 1 || text.indexOf('-', dash + 1) >= 0) {
      throw new InvalidEventIdException("event id must be <epoch>-<offset>: " + quote(text));
    }
    return new EventId(parsePart(text, 0, dash), parsePart(text, dash + 1, text.length()));
  }

  private static long parsePart(String text, int from, int to) {
    if (to - from > MAX_PART) {
      throw new InvalidEventIdException("event id part too long: " + quote(text));
    }
    long value = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'z') {
        digit = c - 'a' + 10;
      } else {
        throw new InvalidEventIdException("event id has a character outside [0-9a-z-]: " + quote(text));
      }
      if (value > (Long.MAX_VALUE - digit) / 36) {
        throw new InvalidEventIdException("event id part overflows: " + quote(text));
      }
      value = value * 36 + digit;
    }
    return value;
  }

  private static String quote(String text) {
    // Never echo attacker-controlled bytes unbounded into messages or logs.
    String head = text.length() > MAX_LENGTH ? text.substring(0, MAX_LENGTH) + "..." : text;
    StringBuilder sb = new StringBuilder(head.length() + 2).append('"');
    for (int i = 0; i < head.length(); i++) {
      char c = head.charAt(i);
      sb.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return sb.append('"').toString();
  }

  /**
   * The epoch: changes whenever the log loses continuity (a restart, a wiped bus); {@code -1} for
   * {@link #EARLIEST}.
   *
   * @return the epoch, &ge; 0, or {@code -1} for {@link #EARLIEST}
   */
  public long epoch() {
    return epoch;
  }

  /**
   * The offset within the epoch.
   *
   * @return the offset, &ge; 0 ({@code 0} means "before the first event"), or {@code -1} for {@link #EARLIEST}
   */
  public long offset() {
    return offset;
  }

  @Override
  public int compareTo(EventId o) {
    int c = Long.compare(epoch, o.epoch);
    return c != 0 ? c : Long.compare(offset, o.offset);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EventId && ((EventId) o).epoch == epoch && ((EventId) o).offset == offset;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(epoch) * 31 + Long.hashCode(offset);
  }

  /**
   * Whether this is {@link #EARLIEST}, a position to resolve rather than an event's id.
   *
   * @return {@code true} for {@link #EARLIEST}
   */
  public boolean isEarliest() {
    return this == EARLIEST;
  }

  /**
   * The wire form, {@code <epoch>-<offset>} in base 36, or {@code earliest}.
   *
   * @return at most {@value #MAX_LENGTH} characters of {@code [0-9a-z-]}; never {@code null}
   */
  @Override
  public String toString() {
    String t = text;
    if (t == null) {
      if (epoch < 0) {
        return EARLIEST_TEXT;
      }
      t = Long.toString(epoch, 36) + '-' + Long.toString(offset, 36);
      text = t;
    }
    return t;
  }
}
