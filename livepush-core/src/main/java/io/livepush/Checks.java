package io.livepush;

import java.time.Duration;
import java.util.Objects;

/** Argument checks with one message shape: {@code "name: value (expected: ...)"}. */
final class Checks {
  private Checks() {}

  static int positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
    }
    return value;
  }

  static long positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
    }
    return value;
  }

  static int nonNegative(String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
    }
    return value;
  }

  static Duration positive(String name, Duration value) {
    return io.livepush.spi.LogBusSupport.positive(name, value); // one rule for the core and the buses
  }

  static Duration nonNegative(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
    }
    return value;
  }

  /** An HTTP field name: a {@code token} (RFC 9110 §5.1, §5.6.2), at most 256 characters. */
  static String fieldName(String name) {
    java.util.Objects.requireNonNull(name, "name");
    if (!isToken(name, 256)) {
      throw new InvalidHttpFieldException("header name is not an RFC 9110 token (1..256 of tchar)");
    }
    return name;
  }

  /**
   * An HTTP field value (RFC 9110 §5.5): visible ASCII, SP, HTAB and obs-text (U+0080..U+00FF), no leading or
   * trailing whitespace, at most {@code 8192} characters.
   */
  static String fieldValue(String name, String value) {
    java.util.Objects.requireNonNull(value, name);
    if (value.length() > 8192) {
      throw new InvalidHttpFieldException(name + " is " + value.length() + " characters (expected: <= 8192)");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean ok = (c >= 0x21 && c <= 0x7e) || ((c == ' ' || c == '\t') && i > 0 && i < value.length() - 1)
          || (c >= 0x80 && c <= 0xff);
      if (!ok) {
        throw new InvalidHttpFieldException(name + " has a character not allowed in an HTTP field value at index "
            + i + " (RFC 9110 §5.5)");
      }
    }
    return value;
  }

  /** Whether {@code s} is 1..{@code max} {@code tchar}s (RFC 9110 §5.6.2). */
  static boolean isToken(String s, int max) {
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
