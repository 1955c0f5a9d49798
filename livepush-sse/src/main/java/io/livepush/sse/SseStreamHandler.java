package io.livepush.sse;

import io.livepush.RequestInfo;

/**
 * Answers one request with its own event stream, written by the application: a streamed AI answer, the
 * progress of a job. The stream is not part of the replay log and carries no ids unless the application gives
 * them.
 *
 * <p><b>Threading: may block.</b> {@link #onStream} runs on the server's blocking executor
 * ({@link io.livepush.LivePushServer.Builder#blockingExecutor}), so it may produce the whole stream in place;
 * one that implements {@link io.livepush.NonBlocking} runs on the connection's event loop instead and must not
 * block. {@link SseEmitter} is thread-safe. {@link RequestInfo#principal()} is who the server's authenticator
 * said sent the request.
 */
@FunctionalInterface
public interface SseStreamHandler {
  /** Called after the response head is written; {@code body} is the request body (empty for GET). */
  void onStream(RequestInfo request, byte[] body, SseEmitter emitter);
}
