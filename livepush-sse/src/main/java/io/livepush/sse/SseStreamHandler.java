package io.livepush.sse;

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
 * <p><b>Threading:</b> {@link #onRequest} and the accepted stream's consumer run on the connection's event
 * loop and must not block: start the work on an executor of your own and write from there; {@link SseEmitter}
 * is thread-safe. A handler that throws gets {@code 500}. {@link StreamRequest#principal()} is who the server's
 * authenticator said sent the request (the same as {@link io.livepush.RequestInfo#principal()}).
 */
@FunctionalInterface
public interface SseStreamHandler {
  /**
   * Decides on {@code request}, on the connection's event loop; must not block.
   *
   * @param request the complete request, its body at most {@code maxRequestBytes}
   * @return the decision, never {@code null}: {@link StreamResponse#accept} or a rejection
   */
  StreamResponse onRequest(StreamRequest request);
}
