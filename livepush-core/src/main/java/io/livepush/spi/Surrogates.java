package io.livepush.spi;

/**
 * Unpaired UTF-16 surrogates: a high surrogate not followed by a low one, or a low one not preceded by a high
 * one. They have no UTF-8 form ({@link String#getBytes} would silently write {@code ?}), so livepush refuses
 * them in caller text bound for the wire and escapes them in the log. Stateless; any thread.
 */
public final class Surrogates {
  private Surrogates() {}

  /**
   * Whether the character at {@code i} is an unpaired surrogate.
   *
   * @param s the text
   * @param i an index in {@code s}
   * @return {@code true} if {@code s.charAt(i)} is a surrogate without its partner
   * @throws IndexOutOfBoundsException if {@code i} is not an index of {@code s}
   */
  public static boolean isUnpaired(CharSequence s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
    }
    if (Character.isLowSurrogate(c)) {
      return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
    }
    return false;
  }

  /**
   * The first unpaired surrogate of {@code s}.
   *
   * @param s the text
   * @return its index, or {@code -1} when every surrogate in {@code s} is paired
   */
  public static int firstUnpaired(CharSequence s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isSurrogate(s.charAt(i)) && isUnpaired(s, i)) {
        return i;
      }
    }
    return -1;
  }
}
