package io.livepush;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;

/**
 * Answers plain (non-streaming) HTTP requests on the push server's port: a status page, a small API, the files
 * of a demo page. Requests no transport claims are offered to each service in registration order; the first
 * non-null reply wins, and a request nobody answers gets 404. Request bodies are limited by
 * {@link LivePushServer.Builder#maxRequestBytes(int)}. Registered with
 * {@link LivePushServer.Builder#authenticatedHttpService}, a service sees only requests the server's
 * {@link Authenticator} accepted, with their {@link RequestInfo#principal()}.
 *
 * <h2>Threading: may block</h2>
 * {@link #handle(RequestInfo, byte[])} runs on the server's blocking executor
 * ({@link LivePushServer.Builder#blockingExecutor}), so it may call a database or
 * {@link LivePushServer#publish} (which waits for a cluster bus); the reply is written from the connection's
 * event loop, and the connection reads its next request only after it. A full executor answers 503. Use
 * {@link #async} for a service returning a {@link CompletionStage}, {@link #nonBlocking} for one that only reads
 * memory (both called on the event loop).
 */
@FunctionalInterface
public interface HttpService {
  /**
   * Returns a reply, or {@code null} when this service does not handle the request. May block.
   *
   * @param request the request head; immutable, safe to keep
   * @param body the request body, at most {@link LivePushConfig#maxRequestBytes()} bytes, empty when none; owned by
   *     the service
   * @return the reply, or {@code null} to offer the request to the next service (404 when none answers)
   */
  HttpReply handle(RequestInfo request, byte[] body);

  /**
   * How livepush calls this service: on the event loop, with the executor where blocking is allowed (a direct
   * one for {@link NonBlocking} services). The default runs {@link #handle(RequestInfo, byte[])} on
   * {@code blocking}. The stage may complete on any thread, with {@code null} to pass the request on; an
   * exceptional one is answered with 500.
   *
   * @param request the request head
   * @param body the request body, at most {@link LivePushConfig#maxRequestBytes()} bytes
   * @param blocking where {@link #handle(RequestInfo, byte[])} may run; a direct executor for {@link NonBlocking}
   *     services
   * @return a stage with the reply or {@code null}; it must complete, since the connection reads no further request
   *     until it does
   */
  default CompletionStage<HttpReply> handle(RequestInfo request, byte[] body, Executor blocking) {
    return CompletableFuture.supplyAsync(() -> handle(request, body), blocking);
  }

  /**
   * An asynchronous service: {@code service} is called on the event loop and must not block; its stage may
   * complete on any thread.
   *
   * @param service returns the reply's stage; called on the event loop, must not block
   * @return a {@link NonBlocking} service that hands {@code service}'s stage to livepush unchanged
   */
  static HttpService async(BiFunction<? super RequestInfo, byte[], ? extends CompletionStage<HttpReply>> service) {
    Objects.requireNonNull(service, "service");
    final class Async implements HttpService, NonBlocking {
      @Override
      public HttpReply handle(RequestInfo request, byte[] body) {
        return service.apply(request, body).toCompletableFuture().join();
      }

      @Override
      public CompletionStage<HttpReply> handle(RequestInfo request, byte[] body, Executor blocking) {
        return service.apply(request, body);
      }
    }
    return new Async();
  }

  /**
   * A service that never blocks, called directly on the event loop (see {@link NonBlocking}).
   *
   * @param service a service that answers from memory, without I/O
   * @return a wrapper that delegates to {@code service} and is {@link NonBlocking}
   */
  static HttpService nonBlocking(HttpService service) {
    Objects.requireNonNull(service, "service");
    final class Direct implements HttpService, NonBlocking {
      @Override
      public HttpReply handle(RequestInfo request, byte[] body) {
        return service.handle(request, body);
      }
    }
    return new Direct();
  }
}
