package io.livepush.sse;

import io.livepush.NonBlocking;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Answers one request with its own event stream, written by the application: a streamed AI answer, the
 * progress of a job. The stream is not part of the replay log and carries no ids unless the application gives
 * them.
 *
 * <p>The handler sees the whole request first ({@link StreamRequest}: method, path, query, headers, bounded
 * body) and decides before anything is written: {@link StreamResponse#accept accept} (the {@code 200} and the
 * event-stream head follow, then the emitter is handed over) or {@link StreamResponse#reject reject} with any
 * status and body.
 *
 * <pre>{@code
 * (request) -> {
 *   Question q = parse(request.body());
 *   if (q == null) {
 *     return StreamResponse.rejectJson(400, "{\"error\":\"expected {\\\"question\\\": ...}\"}");
 *   }
 *   return StreamResponse.accept(emitter -> answer(q, emitter));   // emitter.send(..) returns a stage
 * }
 * }</pre>
 *
 * <p><b>Threading</b> (as for every livepush callback, see docs/architecture.md): {@link #onRequest(StreamRequest)} may block — it
 * runs on the server's blocking executor ({@code LivePushServer.Builder.blockingExecutor}), after the request is
 * authenticated and admitted, while the connection reads nothing more — and so does the accepted stream's
 * consumer, called on that executor once the response head is written: it may loop over
 * {@link SseEmitter#sendAndWait}. A handler made with {@link #nonBlocking} or {@link #async} (or marked
 * {@link NonBlocking}) is called on the connection's event loop instead, and so is its consumer: neither may
 * block there (chain on {@link SseEmitter#send}'s stage or start the work on an executor of your own).
 * {@link SseEmitter} is thread-safe, and {@code LivePushServer.publish} works from both (with a cluster bus too:
 * the blocking executor's threads are not event loops). A handler that throws, or whose stage fails, gets
 * {@code 500}; an executor that refuses the task, {@code 503} with {@code Retry-After}.
 * {@link StreamRequest#principal()} is who the server's authenticator said sent the request (the same as
 * {@link io.livepush.RequestInfo#principal()}).
 */
@FunctionalInterface
public interface SseStreamHandler {
  /**
   * Decides on {@code request}. May block (see the class comment for where it runs).
   *
   * @param request the complete request, its body at most {@code maxRequestBytes}; not {@code null}
   * @return the decision, never {@code null}: {@link StreamResponse#accept} or a rejection
   */
  StreamResponse onRequest(StreamRequest request);

  /**
   * How livepush calls this handler: on the event loop, with the executor where blocking is allowed (a direct
   * one for {@link NonBlocking} handlers). The default runs {@link #onRequest(StreamRequest)} on {@code blocking}.
   * The stage may complete on any thread; livepush goes back to the connection's loop to answer.
   *
   * @param request the admitted request; not {@code null}
   * @param blocking where {@link #onRequest(StreamRequest)} may run
   * @return the decision, never {@code null}; an exceptional stage is answered with {@code 500}
   */
  default CompletionStage<StreamResponse> onRequest(StreamRequest request, Executor blocking) {
    return CompletableFuture.supplyAsync(() -> onRequest(request), blocking);
  }

  /**
   * An asynchronous handler: {@code handler} is called on the event loop and must not block; its stage may
   * complete on any thread. The accepted stream's consumer runs on the event loop.
   *
   * @param handler returns the decision's stage; not {@code null}
   * @return a {@link NonBlocking} handler
   * @throws NullPointerException if {@code handler} is {@code null}
   */
  static SseStreamHandler async(Function<? super StreamRequest, ? extends CompletionStage<StreamResponse>> handler) {
    Objects.requireNonNull(handler, "handler");
    final class Async implements SseStreamHandler, NonBlocking {
      @Override
      public StreamResponse onRequest(StreamRequest request) {
        return handler.apply(request).toCompletableFuture().join();
      }

      @Override
      public CompletionStage<StreamResponse> onRequest(StreamRequest request, Executor blocking) {
        return handler.apply(request);
      }
    }
    return new Async();
  }

  /**
   * A handler that never blocks, called directly on the event loop (see {@link NonBlocking}); so is its
   * accepted stream's consumer.
   *
   * @param handler the handler; not {@code null}
   * @return a {@link NonBlocking} handler
   * @throws NullPointerException if {@code handler} is {@code null}
   */
  static SseStreamHandler nonBlocking(SseStreamHandler handler) {
    Objects.requireNonNull(handler, "handler");
    final class Direct implements SseStreamHandler, NonBlocking {
      @Override
      public StreamResponse onRequest(StreamRequest request) {
        return handler.onRequest(request);
      }
    }
    return new Direct();
  }
}
