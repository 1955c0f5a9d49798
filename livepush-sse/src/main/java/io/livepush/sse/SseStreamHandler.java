package io.livepush.sse;

import io.livepush.RequestInfo;

/**
 * Answers one request with its own event stream, written by the application: a streamed AI answer, the
 * progress of a job. The stream is not part of the replay log and carries no ids unless the application gives
 * them.
 *
 * <p><b>Threading:</b> {@link #onStream} runs on the connection's event loop and must not block: start the
 * work on an executor of your own and write from there; {@link SseEmitter} is thread-safe.
 */
@FunctionalInterface
public interface SseStreamHandler {
  /** Called after the response head is written; {@code body} is the request body (empty for GET). */
  void onStream(RequestInfo request, byte[] body, SseEmitter emitter);
}
