package io.livepush.sse;

import io.livepush.Principal;
import io.livepush.RequestInfo;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * The request a one-off stream's {@link SseStreamHandler} decides on, before anything is written: the
 * authenticated principal, method, path, path variables, query, headers, cookies, peer address and the body. The single place a stream handler reads
 * request data from. Immutable; safe to keep and to read from any thread.
 *
 * <p>The body is complete and bounded by the server's {@code maxRequestBytes} (a larger one is answered 413
 * before the handler runs); it is empty for a request without one.
 */
public final class StreamRequest {
  private final RequestInfo info;
  private final Principal principal;
  private final Map<String, String> pathVariables;
  private final byte[] body;

  StreamRequest(RequestInfo info, Principal principal, Map<String, String> pathVariables, byte[] body) {
    this.info = info;
    this.principal = principal;
    this.pathVariables = Map.copyOf(pathVariables);
    this.body = body;
  }

  /**
   * Who the {@link io.livepush.Authenticator} said sent it.
   *
   * @return the principal, {@link Principal#ANONYMOUS} without an authenticator; never {@code null}
   */
  public Principal principal() {
    return principal;
  }

  /**
   * The request method, as sent, for example {@code POST}.
   *
   * @return the method token; never {@code null}
   */
  public String method() {
    return info.method();
  }

  /**
   * The decoded request path, without the query.
   *
   * @return the path, starting with {@code /}; client input, so neutralise it before logging
   */
  public String path() {
    return info.path();
  }

  /**
   * The values of the route's {@code {name}} variables, for example {@code id} of {@code /jobs/{id}/progress}.
   *
   * @return variable name to decoded value, unmodifiable; empty for a route without variables
   */
  public Map<String, String> pathVariables() {
    return pathVariables;
  }

  /**
   * Decoded query parameters in order of appearance.
   *
   * @return name to values, unmodifiable; empty when there is no query, never {@code null}
   */
  public Map<String, List<String>> queryParameters() {
    return info.queryParameters();
  }

  /**
   * The first value of a request header.
   *
   * @param name the header name, case-insensitive
   * @return the value, or {@code null} when absent
   */
  public String header(String name) {
    return info.header(name);
  }

  /**
   * The value of a cookie sent with the request.
   *
   * @param name the cookie name, case-sensitive
   * @return the value, or {@code null} when absent
   */
  public String cookie(String name) {
    return info.cookie(name);
  }

  /**
   * The peer's address.
   *
   * @return the remote address of the connection (before any proxy)
   */
  public SocketAddress remoteAddress() {
    return info.remoteAddress();
  }

  /**
   * The request body (a copy: the caller may modify it); empty when there is none.
   *
   * @return a new array, never {@code null}
   */
  public byte[] body() {
    return body.clone();
  }

  /**
   * Length of the body in bytes, without copying it.
   *
   * @return the length, &ge; 0
   */
  public int bodyLength() {
    return body.length;
  }

  /**
   * The request as listeners and authorizers see it.
   *
   * @return the request; never {@code null}
   */
  public RequestInfo info() {
    return info;
  }

  @Override
  public String toString() {
    return "StreamRequest{" + info + ", body=" + body.length + " bytes}";
  }
}
