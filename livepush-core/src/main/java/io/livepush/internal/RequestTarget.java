package io.livepush.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Locale;

/**
 * The request-target and {@code Host} rules of RFC 9112 §3.2 and RFC 9110 §7.2, checked before routing.
 *
 * <ul>
 *   <li><b>origin-form</b> ({@code /path?query}) is routed as is; <b>absolute-form</b>
 *       ({@code http://host/path?query}, {@code https://…}) is routed like the origin form it contains, and its
 *       authority replaces the {@code Host} header as the target host (§3.2.2); <b>asterisk-form</b> ({@code *})
 *       only with {@code OPTIONS} (§3.2.4); <b>authority-form</b> only with {@code CONNECT} (§3.2.3), which
 *       livepush does not serve. Anything else, a target with characters outside visible ASCII, a fragment,
 *       or userinfo in an absolute-form (RFC 9110 §4.2.4) is invalid.
 *   <li>{@code Host}: an HTTP/1.1 request without one, any request with more than one, or one whose value is
 *       not {@code uri-host [ ":" port ]} (RFC 3986 §3.2.2) is invalid (§3.2: the server MUST answer 400).
 * </ul>
 * Immutable result of {@link #parse}; stateless and thread-safe.
 */
public final class RequestTarget {
  /** Longest port accepted: 5 digits. */
  private static final int MAX_PORT_DIGITS = 5;

  /** Why the request is invalid (for the 400 body), or {@code null}. */
  public final String error;
  /** Whether the target is {@code *} (with OPTIONS). */
  public final boolean asterisk;
  /** The origin form to route: the target itself or the path and query of an absolute form. */
  public final String originForm;
  /** The target host, lower case, without port; {@code null} when the request names none. */
  public final String host;
  /** The target port, or {@code -1} when not given. */
  public final int port;

  private RequestTarget(String error, boolean asterisk, String originForm, String host, int port) {
    this.error = error;
    this.asterisk = asterisk;
    this.originForm = originForm;
    this.host = host;
    this.port = port;
  }

  private static RequestTarget invalid(String error) {
    return new RequestTarget(error, false, null, null, -1);
  }

  /** Checks {@code request}'s target and {@code Host} header. */
  public static RequestTarget parse(HttpRequest request) {
    List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
    if (hosts.size() > 1) {
      return invalid("more than one Host header (RFC 9112 §3.2)");
    }
    String hostHeader = hosts.isEmpty() ? null : hosts.get(0);
    if (hostHeader == null && HttpVersion.HTTP_1_1.equals(request.protocolVersion())) {
      return invalid("missing Host header (RFC 9112 §3.2)");
    }
    long authority = hostHeader == null ? -1 : parseAuthority(hostHeader, 0, hostHeader.length());
    if (authority == Long.MIN_VALUE) {
      return invalid("invalid Host header (RFC 9112 §3.2)");
    }
    String uri = request.uri();
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c <= 0x20 || c >= 0x7f || c == '#') {
        return invalid("invalid character in the request-target (RFC 9112 §3.2)");
      }
    }
    HttpMethod method = request.method();
    if (uri.equals("*")) {
      if (!HttpMethod.OPTIONS.equals(method)) {
        return invalid("asterisk-form request-target is only for OPTIONS (RFC 9112 §3.2.4)");
      }
      return withHost(true, uri, hostHeader, authority);
    }
    if (uri.startsWith("/")) {
      return withHost(false, uri, hostHeader, authority);
    }
    int schemeEnd = uri.indexOf("://");
    if (schemeEnd > 0) {
      String scheme = uri.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        return invalid("absolute-form request-target must use http or https (RFC 9112 §3.2.2)");
      }
      int from = schemeEnd + 3;
      int to = from;
      while (to < uri.length() && uri.charAt(to) != '/' && uri.charAt(to) != '?') {
        to++;
      }
      if (uri.indexOf('@', from) >= 0 && uri.indexOf('@', from) < to) {
        return invalid("userinfo in the request-target (RFC 9110 §4.2.4)");
      }
      long a = parseAuthority(uri, from, to);
      if (a == Long.MIN_VALUE || to == from) {
        return invalid("invalid authority in the request-target (RFC 9112 §3.2.2)");
      }
      String rest = uri.substring(to);
      String origin = rest.isEmpty() ? "/" : rest.charAt(0) == '?' ? "/" + rest : rest;
      // §3.2.2: the target's authority wins over the Host header.
      return withHost(false, origin, uri.substring(from, to), a);
    }
    if (HttpMethod.CONNECT.equals(method)) {
      return new RequestTarget(null, false, null, null, -1); // the router answers 405
    }
    return invalid("request-target must be origin-form or absolute-form (RFC 9112 §3.2)");
  }

  private static RequestTarget withHost(boolean asterisk, String origin, String authorityText, long parsed) {
    if (authorityText == null) {
      return new RequestTarget(null, asterisk, origin, null, -1);
    }
    int hostEnd = (int) (parsed >>> 32);
    int port = (int) parsed;
    String host = authorityText.substring(0, hostEnd).toLowerCase(Locale.ROOT);
    return new RequestTarget(null, asterisk, origin, host, port);
  }

  /** Whether {@code s} is {@code uri-host [ ":" port ]} (RFC 3986 §3.2.2, §3.2.3). */
  public static boolean isAuthority(String s) {
    return parseAuthority(s, 0, s.length()) != Long.MIN_VALUE;
  }

  /**
   * Parses {@code uri-host [ ":" port ]} in {@code s[from, to)}. Returns the host's end (relative to
   * {@code from}) in the upper 32 bits and the port ({@code -1} if absent) in the lower, or
   * {@link Long#MIN_VALUE} if invalid.
   */
  static long parseAuthority(String s, int from, int to) {
    int i = from;
    if (i < to && s.charAt(i) == '[') {
      int close = s.indexOf(']', i);
      if (close < 0 || close >= to || close == i + 1) {
        return Long.MIN_VALUE;
      }
      for (int k = i + 1; k < close; k++) {
        char c = s.charAt(k);
        boolean ok = isHex(c) || c == ':' || c == '.' || (k == i + 1 && (c == 'v' || c == 'V'))
            || isUnreserved(c) || isSubDelim(c);
        if (!ok) {
          return Long.MIN_VALUE;
        }
      }
      i = close + 1;
    } else {
      while (i < to && s.charAt(i) != ':') {
        char c = s.charAt(i);
        if (c == '%') {
          if (i + 2 >= to || !isHex(s.charAt(i + 1)) || !isHex(s.charAt(i + 2))) {
            return Long.MIN_VALUE;
          }
          i += 3;
          continue;
        }
        if (!isUnreserved(c) && !isSubDelim(c)) {
          return Long.MIN_VALUE;
        }
        i++;
      }
    }
    int hostEnd = i - from;
    int port = -1;
    if (i < to) {
      if (s.charAt(i) != ':' || to - i - 1 > MAX_PORT_DIGITS) {
        return Long.MIN_VALUE;
      }
      if (to - i - 1 > 0) {
        port = 0;
        for (int k = i + 1; k < to; k++) {
          char c = s.charAt(k);
          if (c < '0' || c > '9') {
            return Long.MIN_VALUE;
          }
          port = port * 10 + (c - '0');
        }
        if (port > 65535) {
          return Long.MIN_VALUE;
        }
      }
    }
    return ((long) hostEnd << 32) | (port & 0xFFFFFFFFL);
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static boolean isUnreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
        || c == '_' || c == '~';
  }

  private static boolean isSubDelim(char c) {
    return c == '!' || c == '$' || c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+'
        || c == ',' || c == ';' || c == '=';
  }
}
