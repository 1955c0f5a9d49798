package io.livepush.internal;

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

/** An immutable snapshot of a request's head. */
public final class DefaultRequestInfo implements RequestInfo {
  private final String method;
  private final String path;
  private final Map<String, List<String>> query;
  private final HttpHeaders headers;
  private final SocketAddress remoteAddress;

  private DefaultRequestInfo(String method, String path, Map<String, List<String>> query, HttpHeaders headers,
      SocketAddress remoteAddress) {
    this.method = method;
    this.path = path;
    this.query = query;
    this.headers = headers;
    this.remoteAddress = remoteAddress;
  }

  /** The same request without headers and cookies: what an open connection keeps by default. */
  public DefaultRequestInfo withoutHeaders() {
    return headers.isEmpty() ? this
        : new DefaultRequestInfo(method, path, query, EmptyHttpHeaders.INSTANCE, remoteAddress);
  }

  /** The same request with another method: the router offers an unanswered HEAD again as GET. */
  public DefaultRequestInfo withMethod(String method) {
    return new DefaultRequestInfo(method, path, query, headers, remoteAddress);
  }

  public DefaultRequestInfo(FullHttpRequest request, SocketAddress remoteAddress) {
    QueryStringDecoder decoder = new QueryStringDecoder(request.uri());
    this.method = request.method().name();
    this.path = decoder.path();
    this.query = Map.copyOf(decoder.parameters());
    this.headers = request.headers().copy();
    this.remoteAddress = remoteAddress;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public Map<String, List<String>> queryParameters() {
    return query;
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
    return LogSafe.of(method + ' ' + path);
  }
}
