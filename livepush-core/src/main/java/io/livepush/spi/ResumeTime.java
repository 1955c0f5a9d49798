package io.livepush.spi;

import io.livepush.InvalidEventIdException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The wire form of a resume time: an RFC 3339 {@code date-time} (§5.6) with seconds and an explicit offset, such
 * as {@code 2026-11-30T18:00:00Z}, {@code 2026-11-30T19:00:00.250+01:00} (SSE {@code ?since=}, WebSocket
 * {@code "from"}, long-polling {@code ?since=}); see docs/protocol.md "Resume by time". Stateless, any thread.
 *
 * <p>Strict: four-digit year, two-digit fields, {@code T} (or {@code t}) between date and time, seconds required,
 * 1–9 fraction digits, {@code Z}/{@code z} or {@code ±hh:mm}; at most {@value #MAX_LENGTH} characters. No space
 * separator, no leap second ({@code :60}, which {@link java.time} cannot represent), no local time without an
 * offset and no offset {@code -00:00} ("unknown local offset", RFC 3339 §4.3, which names no instant).
 */
public final class ResumeTime {
  /** Longest accepted text: {@code 9999-12-31T23:59:59.999999999+14:00} is 35 characters. */
  public static final int MAX_LENGTH = 35;

  private static final Pattern GRAMMAR = Pattern.compile(
      "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})");

  private ResumeTime() {}

  /**
   * Whether a resume position is meant as a time rather than an event id or {@code earliest}: it contains a
   * {@code :}, which neither of those can. Parse it with {@link #parse} (which may still refuse it).
   *
   * @param position the client's value; not {@code null}
   * @return {@code true} if {@code position} is to be parsed as a time
   */
  public static boolean looksLikeTime(String position) {
    return position.indexOf(':') >= 0;
  }

  /**
   * Parses a resume time.
   *
   * @param text the client's value; not {@code null}
   * @return the instant it names
   * @throws InvalidEventIdException (400) when {@code text} breaks the grammar above or names no calendar date
   *     and time (February 30, hour 24); the message quotes at most 40 characters of it, neutralised
   */
  public static Instant parse(String text) {
    if (text.length() > MAX_LENGTH || !GRAMMAR.matcher(text).matches() || text.endsWith("-00:00")) {
      throw invalid(text);
    }
    try {
      return OffsetDateTime.parse(text.toUpperCase(Locale.ROOT)).toInstant();
    } catch (DateTimeException e) {
      throw invalid(text);
    }
  }

  private static InvalidEventIdException invalid(String text) {
    return new InvalidEventIdException("invalid resume time \"" + LogSafe.of(text, 40)
        + "\": expected an RFC 3339 date-time with seconds and an offset, such as 2026-11-30T18:00:00Z");
  }
}
