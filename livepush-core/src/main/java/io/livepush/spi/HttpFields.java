package io.livepush.spi;

import io.livepush.InvalidHttpFieldException;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The grammar of HTTP fields (RFC 9110 §5.1 names, §5.5 values) for values an application gives livepush:
 * reply and rejection headers, authentication challenges, content types. What breaks it throws
 * {@link InvalidHttpFieldException} where it is given, so nothing invalid reaches the wire. Stateless; any thread.
 */
public final class HttpFields {
  /** Longest field name accepted, in characters. */
  public static final int MAX_NAME_LENGTH = 256;
  /** Longest field value accepted, in characters. */
  public static final int MAX_VALUE_LENGTH = 8192;

  /**
   * Response fields livepush writes itself and an application may not add (lower case): the message framing
   * ({@code Content-Length}, {@code Transfer-Encoding}: RFC 9112 §6), the content type (given on its own), and the
   * connection-specific fields (RFC 9110 §7.6.1) that HTTP/2 forbids outright (RFC 9113 §8.2.2).
   */
  private static final Set<String> RESERVED_RESPONSE_NAMES = Set.of("content-length", "transfer-encoding",
      "content-type", "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade");

  private HttpFields() {}

  /**
   * Checks a field name: a {@code token} (RFC 9110 §5.1, §5.6.2) of 1 to {@value #MAX_NAME_LENGTH} characters.
   *
   * @param name the field name
   * @return {@code name}
   * @throws NullPointerException if {@code name} is {@code null}
   * @throws InvalidHttpFieldException if {@code name} is not such a token
   */
  public static String name(String name) {
    Objects.requireNonNull(name, "name");
    if (!isToken(name, MAX_NAME_LENGTH)) {
      throw new InvalidHttpFieldException("header name is not an RFC 9110 token (1..256 of tchar)");
    }
    return name;
  }

  /**
   * Checks the name of a response header an application adds to a reply: a {@link #name token} that is not one of
   * the fields livepush writes itself, compared case-insensitively (RFC 9110 §5.1): {@code Content-Length},
   * {@code Transfer-Encoding}, {@code Content-Type}, and the connection-specific {@code Connection},
   * {@code Keep-Alive}, {@code Proxy-Connection}, {@code TE}, {@code Trailer}, {@code Upgrade} (RFC 9110 §7.6.1,
   * RFC 9113 §8.2.2). Such a header would contradict the framing livepush writes (RFC 9112 §6.3) or break the
   * response over HTTP/2.
   *
   * @param name the field name
   * @return {@code name}
   * @throws NullPointerException if {@code name} is {@code null}
   * @throws InvalidHttpFieldException if {@code name} is not a token or is one of those fields
   */
  public static String responseName(String name) {
    name(name);
    if (RESERVED_RESPONSE_NAMES.contains(name.toLowerCase(Locale.ROOT))) {
      throw new InvalidHttpFieldException("header " + name + " is written by livepush (framing, content type or "
          + "connection-specific: RFC 9112 §6, RFC 9110 §7.6.1)");
    }
    return name;
  }

  /**
   * Checks a field value (RFC 9110 §5.5): visible ASCII, SP, HTAB and obs-text (U+0080..U+00FF), no leading or
   * trailing whitespace, at most {@value #MAX_VALUE_LENGTH} characters; so never CR, LF or NUL.
   *
   * @param what names the value in the exception's message (a header name, {@code "contentType"})
   * @param value the field value
   * @return {@code value}
   * @throws NullPointerException if {@code value} is {@code null}
   * @throws InvalidHttpFieldException if {@code value} breaks the grammar or is too long
   */
  public static String value(String what, String value) {
    Objects.requireNonNull(value, what);
    if (value.length() > MAX_VALUE_LENGTH) {
      throw new InvalidHttpFieldException(what + " is " + value.length() + " characters (expected: <= 8192)");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean ok = (c >= 0x21 && c <= 0x7e) || ((c == ' ' || c == '\t') && i > 0 && i < value.length() - 1)
          || (c >= 0x80 && c <= 0xff);
      if (!ok) {
        throw new InvalidHttpFieldException(what + " has a character not allowed in an HTTP field value at index "
            + i + " (RFC 9110 §5.5)");
      }
    }
    return value;
  }

  /**
   * Whether {@code s} is a {@code token} (RFC 9110 §5.6.2) of 1 to {@code max} {@code tchar}s.
   *
   * @param s the candidate; not {@code null}
   * @param max the most characters allowed
   * @return {@code true} if {@code s} is such a token
   */
  public static boolean isToken(String s, int max) {
    if (s.isEmpty() || s.length() > max) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
