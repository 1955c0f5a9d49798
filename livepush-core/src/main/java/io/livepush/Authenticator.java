package io.livepush;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Decides who opened a connection, from the request that opened it (the SSE {@code GET} or the WebSocket
 * upgrade), before any stream starts; HTTP services registered with
 * {@link LivePushServer.Builder#authenticatedHttpService} are authenticated by it too. A refusal is answered with
 * 401/403 (SSE, HTTP services, and WebSocket before the 101); the principal of an accepted connection is
 * {@link ConnectionInfo#principal()} and is what {@link TopicAuthorizer}s, presence and handlers see.
 *
 * <h2>Threading: may block</h2>
 * {@link #authenticate(RequestInfo)} runs on the server's blocking executor
 * ({@link LivePushServer.Builder#blockingExecutor}; virtual threads on Java 21+), so it may look up a session
 * store or call an introspection endpoint; the connection's event loop serves other connections meanwhile and
 * the connection reads nothing more until the answer is back. Two other forms:
 * <ul>
 *   <li>{@link #async}: returns a {@link CompletionStage} (an HTTP client's future, a reactive call); called on
 *       the event loop, so the function itself must only start the work;</li>
 *   <li>{@link #nonBlocking}: a quick check (a signature, an in-memory ticket) called on the event loop.</li>
 * </ul>
 *
 * <h2>Browsers</h2>
 * {@code EventSource} cannot send headers, and a browser {@code WebSocket} cannot send {@code Authorization}.
 * Authenticate them with a session cookie (same-site, {@code HttpOnly}, {@code Secure}; check {@code Origin}
 * on cross-origin setups), or with a <b>short-lived, single-use ticket</b> in the query: the page fetches it
 * over an authenticated API call, the authenticator redeems it (and invalidates it) here. Never put a
 * long-lived token in a URL: URLs end up in proxy logs, browser history and {@code Referer}. livepush never logs
 * query strings (the {@code toString()} of a {@link RequestInfo} omits them).
 */
@FunctionalInterface
public interface Authenticator {
  /** Accepts everyone as {@link Principal#ANONYMOUS}; the default. Runs on the event loop. */
  Authenticator ANONYMOUS = nonBlocking(request -> AuthResult.allow(Principal.ANONYMOUS));

  /**
   * Authenticates {@code request}; may block (see the class comment). Must not return {@code null}; an
   * exception or {@code null} counts as a 401.
   *
   * @param request the request that opens the connection (the SSE {@code GET} or the WebSocket upgrade), with its
   *     headers and cookies
   * @return the decision: a principal, or a refusal with its status (401 with a challenge, or 403)
   */
  AuthResult authenticate(RequestInfo request);

  /**
   * How livepush calls this authenticator: on the connection's event loop, with the executor where blocking is
   * allowed (the server's, or a direct one for {@link NonBlocking} authenticators). The default runs
   * {@link #authenticate(RequestInfo)} on {@code blocking}; the stage may complete on any thread (livepush
   * returns to the event loop). A rejected task is answered with 503.
   *
   * @param request the request that opens the connection
   * @param blocking where {@link #authenticate(RequestInfo)} may run; a direct executor for {@link NonBlocking}
   *     authenticators
   * @return a stage with the decision; exceptionally or with {@code null}, a 401
   */
  default CompletionStage<AuthResult> authenticate(RequestInfo request, Executor blocking) {
    return CompletableFuture.supplyAsync(() -> authenticate(request), blocking);
  }

  /**
   * An asynchronous authenticator: {@code authenticator} is called on the event loop and must not block; the
   * stage it returns may complete on any thread, exceptionally or with {@code null} for a 401.
   *
   * @param authenticator returns the decision's stage; called on the event loop, must not block
   * @return a {@link NonBlocking} authenticator that hands {@code authenticator}'s stage to livepush unchanged
   */
  static Authenticator async(Function<? super RequestInfo, ? extends CompletionStage<AuthResult>> authenticator) {
    Objects.requireNonNull(authenticator, "authenticator");
    final class Async implements Authenticator, NonBlocking {
      @Override
      public AuthResult authenticate(RequestInfo request) {
        return authenticator.apply(request).toCompletableFuture().join();
      }

      @Override
      public CompletionStage<AuthResult> authenticate(RequestInfo request, Executor blocking) {
        return authenticator.apply(request);
      }
    }
    return new Async();
  }

  /**
   * An authenticator that never blocks, called directly on the event loop (see {@link NonBlocking}).
   *
   * @param authenticator an authenticator that decides from memory (for example verifying a signed token), without
   *     I/O
   * @return a wrapper that delegates to {@code authenticator} and is {@link NonBlocking}
   */
  static Authenticator nonBlocking(Authenticator authenticator) {
    Objects.requireNonNull(authenticator, "authenticator");
    final class Direct implements Authenticator, NonBlocking {
      @Override
      public AuthResult authenticate(RequestInfo request) {
        return authenticator.authenticate(request);
      }
    }
    return new Direct();
  }
}
