package io.livepush;

/**
 * Decides who opened a connection, from the request that opened it (the SSE {@code GET} or the WebSocket
 * upgrade), before any stream starts. A refusal is answered with 401/403 (SSE, and WebSocket before the 101);
 * the principal of an accepted connection is {@link ConnectionInfo#principal()} and is what
 * {@link TopicAuthorizer}s and presence see.
 *
 * <h2>Browsers</h2>
 * {@code EventSource} cannot send headers, and a browser {@code WebSocket} cannot send {@code Authorization}.
 * Authenticate them with a session cookie (same-site, {@code HttpOnly}, {@code Secure}; check {@code Origin}
 * on cross-origin setups), or with a <b>short-lived, single-use ticket</b> in the query: the page fetches it
 * over an authenticated API call, the authenticator redeems it (and invalidates it) here. Never put a
 * long-lived token in a URL: URLs end up in proxy logs, browser history and {@code Referer}. livepush never logs
 * query strings (the {@code toString()} of a {@link RequestInfo} omits them).
 *
 * <p><b>Threading:</b> runs on the connection's event loop and must not block: verify signatures or look up an
 * in-memory ticket store; do not call a remote service.
 */
@FunctionalInterface
public interface Authenticator {
  /** Accepts everyone as {@link Principal#ANONYMOUS}; the default. */
  Authenticator ANONYMOUS = request -> AuthResult.allow(Principal.ANONYMOUS);

  /** Authenticates {@code request}. Must not return {@code null}; an exception counts as a 401. */
  AuthResult authenticate(RequestInfo request);
}
