package io.livepush.websocket;

import java.net.URI;
import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Which browser origins may open a livepush.v1 connection (cross-site WebSocket hijacking, and the same for
 * WebTransport): a list of serialised origins, any origin, or by default the same origin (the {@code Origin}'s
 * {@code host[:port]} equals the request's {@code Host} / {@code :authority}). Immutable; safe from any thread.
 * For transport authors: applications configure it on the transport's builder.
 */
public final class OriginPolicy {
  private final Set<String> allowed;
  private final boolean any;
  private final boolean allowMissing;

  private OriginPolicy(Set<String> allowed, boolean any, boolean allowMissing) {
    this.allowed = allowed;
    this.any = any;
    this.allowMissing = allowMissing;
  }

  /**
   * A policy.
   *
   * @param allowed origins from {@link #normalize}; empty for "same origin"
   * @param any whether every origin is allowed
   * @param allowMissing whether requests without {@code Origin} (non-browser clients) are allowed
   * @return the policy
   * @throws IllegalStateException if {@code any} is combined with a non-empty {@code allowed}
   */
  public static OriginPolicy of(Collection<String> allowed, boolean any, boolean allowMissing) {
    if (any && !allowed.isEmpty()) {
      throw new IllegalStateException("allowAnyOrigin: true (expected: not together with allowedOrigins)");
    }
    return new OriginPolicy(Set.copyOf(allowed), any, allowMissing);
  }

  /**
   * Validates and normalises one configured origin: {@code scheme://host[:port]} as browsers send it, default
   * ports omitted (RFC 6454 §6.2), lower-cased.
   *
   * @param origin the origin as configured
   * @return the lower-cased origin
   * @throws IllegalArgumentException if it is not {@code scheme://host[:port]} (a path, query or user info
   *     included)
   */
  public static String normalize(String origin) {
    Objects.requireNonNull(origin, "origin");
    if (origin.trim().equals("*")) {
      // SSE's and long-polling's allowedOrigins take "*"; here any origin is a separate, explicit choice
      throw new IllegalArgumentException("origin: * (expected: scheme://host[:port]; allowAnyOrigin() allows any)");
    }
    String n = origin.trim().toLowerCase(Locale.ROOT);
    URI u;
    try {
      u = new URI(n);
    } catch (Exception e) {
      throw new IllegalArgumentException("origin: " + origin + " (expected: scheme://host[:port])");
    }
    if (u.getScheme() == null || u.getHost() == null || (u.getRawPath() != null && !u.getRawPath().isEmpty())
        || u.getRawQuery() != null || u.getRawUserInfo() != null) {
      throw new IllegalArgumentException("origin: " + origin + " (expected: scheme://host[:port])");
    }
    return n;
  }

  /**
   * Whether a request may connect.
   *
   * @param origin the request's {@code Origin}, or {@code null} when absent
   * @param host the request's {@code Host} (HTTP/3: {@code :authority}), or {@code null} when absent
   * @return {@code true} if allowed
   */
  public boolean allows(String origin, String host) {
    if (origin == null) {
      return allowMissing;
    }
    if (any) {
      return true;
    }
    String o = origin.trim().toLowerCase(Locale.ROOT);
    if (!allowed.isEmpty()) {
      return allowed.contains(o);
    }
    // Default: same origin, that is the Origin's host[:port] equals the Host header.
    if (host == null) {
      return false;
    }
    try {
      URI u = new URI(o);
      String authority = u.getRawAuthority();
      return authority != null && authority.equals(host.trim().toLowerCase(Locale.ROOT));
    } catch (Exception e) {
      return false;
    }
  }
}
