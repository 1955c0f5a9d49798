package io.livepush.internal;

import io.livepush.Principal;
import io.livepush.RequestInfo;
import io.livepush.spi.LogSafe;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of a request's head. It keeps the request target as sent (shared between connections
 * through {@link CanonicalStrings}) and decodes the path and query on each call: an idle connection keeps one
 * reference instead of a decoded path, a map and lists of strings (issue 18).
 */
public final class DefaultRequestInfo implements RequestInfo {
  private final String method;
  /** The request target (RFC 9112 §3.2, origin form) as sent: path and query, still percent-encoded. */
  private final String target;
  private final HttpHeaders headers;
  private final SocketAddress remoteAddress;
  private final Principal principal;

  private DefaultRequestInfo(String method, String target, HttpHeaders headers, SocketAddress remoteAddress,
      Principal principal) {
    this.method = method;
    this.target = target;
    this.headers = headers;
    this.remoteAddress = remoteAddress;
    this.principal = principal;
  }

  /** The same request without headers and cookies: what an open connection keeps by default. */
  public DefaultRequestInfo withoutHeaders() {
    return headers.isEmpty() ? this
        : new DefaultRequestInfo(method, target, EmptyHttpHeaders.INSTANCE, remoteAddress, principal);
  }

  /** The same request as sent by {@code principal}. */
  public DefaultRequestInfo withPrincipal(Principal principal) {
    return principal == this.principal ? this
        : new DefaultRequestInfo(method, target, headers, remoteAddress, principal);
  }

  /** The same request with another method: the router offers an unanswered HEAD again as GET. */
  public DefaultRequestInfo withMethod(String method) {
    return new DefaultRequestInfo(method, target, headers, remoteAddress, principal);
  }

  public DefaultRequestInfo(FullHttpRequest request, SocketAddress remoteAddress) {
    this.method = request.method().name(); // Netty's shared constant for every standard method
    this.target = CanonicalStrings.of(request.uri());
    this.headers = request.headers().copy();
    this.remoteAddress = remoteAddress;
    this.principal = Principal.ANONYMOUS;
  }

  @Override
  public Principal principal() {
    return principal;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String path() {
    return new QueryStringDecoder(target).path();
  }

  @Override
  public Map<String, List<String>> queryParameters() {
    return Map.copyOf(new QueryStringDecoder(target).parameters());
  }

  @Override
  public String header(String name) {
    return headers.get(name);
  }

  @Override
  public String cookie(String name) {
    for (String header : headers.getAll(HttpHeaderNames.COOKIE)) {
      for (Cookie c : ServerCookieDecoder.STRICT.decodeAll(header)) {
        if (c.name().equals(name)) {
          return c.value();
        }
      }
    }
    return null;
  }

  @Override
  public SocketAddress remoteAddress() {
    return remoteAddress;
  }

  /**
   * Never includes the query: it may carry tickets that must stay out of logs. The decoded path may hold any
   * character a client sent (for example {@code %0d%0a}), so the result is neutralised by {@link LogSafe}.
   */
  @Override
  public String toString() {
    return LogSafe.of(method + ' ' + path());
  }
}
