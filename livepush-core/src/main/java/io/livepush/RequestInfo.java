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
  /** The request method, for example {@code GET}. */
  String method();

  /** The decoded request path, without the query. */
  String path();

  /** Decoded query parameters in order of appearance. */
  Map<String, List<String>> queryParameters();

  /** The first value of a request header (case-insensitive name), or {@code null}. */
  String header(String name);

  /** The value of a cookie sent with the request, or {@code null}. */
  String cookie(String name);

  /** The peer's address. */
  SocketAddress remoteAddress();

  /**
   * Who the {@link Authenticator} said sent the request: for streaming connections, and for HTTP services
   * registered with {@link LivePushServer.Builder#authenticatedHttpService}. {@link Principal#ANONYMOUS} when no
   * authenticator ran for it.
   */
  default Principal principal() {
    return Principal.ANONYMOUS;
  }
}
