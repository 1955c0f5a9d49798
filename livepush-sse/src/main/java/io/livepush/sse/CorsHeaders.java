package io.livepush.sse;

import io.livepush.spi.HttpFields;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code Access-Control-Allow-Headers} of a CORS preflight from an allowed origin (Fetch standard, "CORS
 * protocol"). EventSource polyfills send {@code Cache-Control}, {@code Last-Event-ID}, {@code Accept},
 * {@code X-Requested-With} and their own headers, so the answer echoes what the browser asks for in
 * {@code Access-Control-Request-Headers}, bounded and validated:
 *
 * <ul>
 *   <li>at most {@value #MAX_NAMES} names of at most {@value #MAX_NAME_LENGTH} characters each, every one an
 *       RFC 9110 {@code token} (§5.6.2), compared case-insensitively and echoed in lower case;
 *   <li>a request that breaks any of these gets only {@link #DEFAULT} (the browser then refuses the request,
 *       as it should for a header list no client of livepush sends);
 *   <li>{@link #DEFAULT} is always allowed.
 * </ul>
 * Stateless and thread-safe.
 */
final class CorsHeaders {
  /** Most request headers echoed. */
  static final int MAX_NAMES = 16;
  /** Longest header name echoed. */
  static final int MAX_NAME_LENGTH = 64;
  /** Always allowed, whatever is asked. */
  static final String DEFAULT = "last-event-id, content-type, authorization, cache-control, accept";

  private static final Set<String> DEFAULT_SET = Set.of(DEFAULT.split(", "));

  private CorsHeaders() {}

  /** The value for {@code Access-Control-Allow-Headers} given the request's {@code Access-Control-Request-Headers}. */
  static String allowHeaders(List<String> requested) {
    LinkedHashSet<String> out = new LinkedHashSet<>(DEFAULT_SET.size() + MAX_NAMES);
    out.addAll(List.of(DEFAULT.split(", ")));
    int extra = 0;
    for (String value : requested) {
      for (String raw : value.split(",", -1)) {
        String name = raw.trim().toLowerCase(Locale.ROOT);
        if (name.isEmpty()) {
          continue; // "a, , b" and trailing commas are tolerated, as in list syntax (RFC 9110 §5.6.1)
        }
        if (!HttpFields.isToken(name, MAX_NAME_LENGTH)) {
          return DEFAULT;
        }
        if (!DEFAULT_SET.contains(name) && out.add(name) && ++extra > MAX_NAMES) {
          return DEFAULT;
        }
      }
    }
    return String.join(", ", out);
  }
}
