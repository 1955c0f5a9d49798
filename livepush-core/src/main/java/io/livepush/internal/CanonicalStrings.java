package io.livepush.internal;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One shared instance of each short string that many connections repeat (a stream's request target such as
 * {@code /events?topic=prices}), so an idle connection keeps a reference instead of its own copy (issue 18:
 * three strings and their arrays were ~150 B of each idle SSE connection). Not needed for a method name: Netty's
 * decoders return their shared {@code HttpMethod} constant (and its name) for every standard method.
 *
 * <p>Bounded: at most {@value #MAX_ENTRIES} strings of at most {@value #MAX_LENGTH} characters (about 0.6 MB at
 * worst); a longer string is returned as it is, and a full table is cleared and refilled, so targets that differ
 * per client (tokens in the query) cost sharing, never memory. Values are used only as the strings they are; no
 * identity comparison relies on them. Thread-safe; never blocks beyond the map's own locking.
 */
final class CanonicalStrings {
  static final int MAX_ENTRIES = 1024;
  static final int MAX_LENGTH = 256;
  private static final ConcurrentHashMap<String, String> TABLE = new ConcurrentHashMap<>();

  private CanonicalStrings() {}

  /** {@code s}, or an equal string already shared; {@code null} for {@code null}. */
  static String of(String s) {
    if (s == null || s.length() > MAX_LENGTH) {
      return s;
    }
    String shared = TABLE.get(s);
    if (shared != null) {
      return shared;
    }
    if (TABLE.size() >= MAX_ENTRIES) {
      TABLE.clear(); // the bound holds; sharing resumes with what is asked for next
    }
    shared = TABLE.putIfAbsent(s, s);
    return shared != null ? shared : s;
  }
}
