package io.livepush;

import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * What livepush exposes of an HTTP request: the one that opened a connection (the SSE {@code GET} or the
 * WebSocket upgrade), or one an {@link HttpService} answers. Immutable; safe to keep and to read from any
 * thread.
 */
public interface RequestInfo {
  /** {@return the request method, for example {@code GET}, as sent (methods are case-sensitive, RFC 9110 §9.1)} */
  String method();

  /** {@return the percent-decoded request path, without the query} */
  String path();

  /**
   * {@return the decoded query parameters, unmodifiable, each name with its values in order of appearance; empty when
   * there is no query}
   */
  Map<String, List<String>> queryParameters();

  /**
   * The first value of a request header.
   *
   * @param name the field name, matched case-insensitively (RFC 9110 §5.1)
   * @return the first value, or {@code null} when the request has no such field (or its headers were not retained,
   *     see {@link LivePushServer.Builder#retainRequestHeaders})
   */
  String header(String name);

  /**
   * The value of a cookie sent with the request ({@code Cookie} header, RFC 6265 §5.4).
   *
   * @param name the cookie name, matched exactly
   * @return the first cookie of that name, or {@code null} when there is none (or the headers were not retained)
   */
  String cookie(String name);

  /** {@return the peer's address: the TCP peer, so a proxy's address behind a proxy} */
  SocketAddress remoteAddress();

  /**
   * Who the {@link Authenticator} said sent the request: for streaming connections, and for HTTP services
   * registered with {@link LivePushServer.Builder#authenticatedHttpService}. {@link Principal#ANONYMOUS} when no
   * authenticator ran for it.
   *
   * @return the principal, never {@code null}
   */
  default Principal principal() {
    return Principal.ANONYMOUS;
  }
}
