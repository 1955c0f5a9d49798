package io.livepush.client.internal;

/**
 * What {@code java.net.http} can put in a header value unchanged: it refuses control characters and sends every
 * other character above U+007E as {@code ?} (it writes header values as ASCII), so anything else would reach the
 * wire altered, or not at all.
 */
public final class HeaderValues {
  private HeaderValues() {}

  /**
   * Whether {@code value} is sent exactly: printable ASCII (U+0020–U+007E) or HT, not starting or ending with a
   * space or HT (a server trims those, RFC 9110 §5.5).
   */
  public static boolean sendable(String value) {
    int n = value.length();
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c > 0x7e) {
        return false;
      }
    }
    return n == 0 || !isBlank(value.charAt(0)) && !isBlank(value.charAt(n - 1));
  }

  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t';
  }
}
