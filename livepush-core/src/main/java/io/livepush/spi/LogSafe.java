package io.livepush.spi;

/**
 * Neutralises client-supplied values before they reach a log line (CWE-117, log injection): every log
 * statement that prints a value a client chose (paths, headers, topics, message fields, close reasons, request
 * summaries) passes it through {@link #of(Object)}.
 *
 * <p>Rules: CR, LF, TAB and every other C0/C1 control character, DEL, the Unicode line and paragraph
 * separators (U+2028, U+2029), bidi controls (U+202A–U+202E, U+2066–U+2069) and unpaired surrogates are
 * written as {@code \\uXXXX}; a backslash is doubled so an escape in the input cannot pass for one of ours.
 * The result is at most {@value #MAX_LENGTH} characters of input (escapes count as one), followed by
 * {@code "…(N more)"} when cut. Stateless and thread-safe; never throws; {@code null} prints {@code null}.
 */
public final class LogSafe {
  /** Longest part of a value that is logged, in input characters. */
  public static final int MAX_LENGTH = 256;

  private LogSafe() {}

  /**
   * {@code value}'s {@code toString()}, neutralised and bounded; see the class javadoc.
   *
   * @param value any value, may be {@code null}
   * @return at most {@value #MAX_LENGTH} input characters, escaped, plus a "more" marker when cut;
   *     {@code "null"} for {@code null}, a placeholder if {@code toString()} throws
   */
  public static String of(Object value) {
    if (value == null) {
      return "null";
    }
    String s;
    try {
      s = value.toString();
    } catch (RuntimeException e) {
      return "<toString failed: " + e.getClass().getSimpleName() + ">";
    }
    return of(s, MAX_LENGTH);
  }

  /**
   * {@code s} neutralised and bounded to {@code max} input characters.
   *
   * @param s the text, may be {@code null}
   * @param max input characters to keep, &ge; 0 (one fewer if a surrogate pair would be cut)
   * @return the escaped text plus a "more" marker when cut; {@code s} itself when nothing needs escaping;
   *     {@code "null"} for {@code null}
   */
  public static String of(String s, int max) {
    if (s == null) {
      return "null";
    }
    int n = Math.min(s.length(), max);
    if (n < s.length() && n > 0 && Character.isHighSurrogate(s.charAt(n - 1))) {
      n--; // never cut a pair in half
    }
    if (n == s.length() && isClean(s)) {
      return s; // the common case allocates nothing
    }
    StringBuilder sb = new StringBuilder(n + 16);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        sb.append("\\\\");
      } else if (needsEscape(s, i, c)) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    if (n < s.length()) {
      sb.append("…(").append(s.length() - n).append(" more)");
    }
    return sb.toString();
  }

  private static boolean isClean(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' || needsEscape(s, i, c)) {
        return false;
      }
    }
    return true;
  }

  private static boolean needsEscape(String s, int i, char c) {
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e)
        || (c >= 0x2066 && c <= 0x2069)) {
      return true;
    }
    return Character.isSurrogate(c) && Surrogates.isUnpaired(s, i);
  }

  /**
   * A stand-in for {@code t} to pass to a logger: same class name, stack trace and cause chain, with every
   * message neutralised and bounded, since exception messages often quote client input. At most 8 causes.
   *
   * @param t the exception to log, may be {@code null}
   * @return a new throwable for logging only (never throw it), or {@code null} for {@code null}
   */
  public static Throwable throwable(Throwable t) {
    return t == null ? null : new Neutralised(t, 0);
  }

  private static final class Neutralised extends Throwable {
    private static final long serialVersionUID = 1L;
    private final String text;

    Neutralised(Throwable t, int depth) {
      super(null, t.getCause() != null && t.getCause() != t && depth < 8
          ? new Neutralised(t.getCause(), depth + 1) : null, false, true);
      String m = t.getMessage();
      this.text = t.getClass().getName() + (m == null ? "" : ": " + of(m, MAX_LENGTH));
      setStackTrace(t.getStackTrace());
    }

    @Override
    public String toString() {
      return text;
    }
  }
}
