package io.livepush.longpoll;

import io.livepush.spi.HttpResponses;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;
import java.util.Set;

/**
 * The CORS answers of polls (Fetch standard, "CORS protocol"), by SSE's rules: allowed origins or {@code *}
 * (not with credentials), {@code Vary: Origin}. A poll is a simple request (a GET whose position travels in the
 * query), so browsers preflight it only when the page adds headers; the preflight answer allows a fixed list.
 * Immutable and thread-safe.
 */
final class Cors {
  /** The request headers a preflight allows. */
  static final String ALLOW_HEADERS = "last-event-id, content-type, authorization, cache-control, accept";

  private final Set<String> origins;
  private final boolean credentials;

  Cors(Set<String> origins, boolean credentials) {
    this.origins = Set.copyOf(origins);
    this.credentials = credentials;
  }

  /** Returns {@code o} if it is {@code *} or a serialised origin (RFC 6454 §6.2), which alone may be echoed. */
  static String checkOrigin(String o) {
    Objects.requireNonNull(o, "origin");
    if (o.equals("*")) {
      return o;
    }
    try {
      URI u = new URI(o);
      if (u.getScheme() != null && u.getHost() != null && u.getRawUserInfo() == null
          && (u.getRawPath() == null || u.getRawPath().isEmpty()) && u.getRawQuery() == null
          && u.getRawFragment() == null && o.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
        return o;
      }
    } catch (URISyntaxException e) {
      // falls through to the refusal
    }
    throw new IllegalArgumentException("origin: " + o + " (expected: scheme://host[:port] or *)");
  }

  boolean allowed(String origin) {
    return origins.contains(origin) || (!credentials && origins.contains("*"));
  }

  /** Adds the CORS response headers to {@code into} when the request's {@code Origin} is allowed; returns it. */
  HttpHeaders headers(FullHttpRequest request, HttpHeaders into) {
    String origin = request.headers().get(HttpHeaderNames.ORIGIN);
    if (origin == null || !allowed(origin)) {
      return into;
    }
    into.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, credentials || !origins.contains("*") ? origin : "*");
    if (credentials) {
      into.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
    }
    return into.add(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
  }

  /** {@code OPTIONS} (RFC 9110 §9.3.7): 204 with {@code Allow}, plus the CORS answer; 403 for other origins. */
  void answerPreflight(ChannelHandlerContext ctx, FullHttpRequest request, String allow) {
    String origin = request.headers().get(HttpHeaderNames.ORIGIN);
    if (origin != null && !allowed(origin)) {
      HttpResponses.sendError(ctx, HttpResponseStatus.FORBIDDEN, "origin not allowed", null);
      return;
    }
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
    HttpHeaders h = response.headers().set(HttpHeaderNames.ALLOW, allow);
    if (origin != null) {
      headers(request, h)
          .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, allow)
          .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS)
          .set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "600")
          .add(HttpHeaderNames.VARY, "Access-Control-Request-Method, Access-Control-Request-Headers");
    }
    h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }
}
