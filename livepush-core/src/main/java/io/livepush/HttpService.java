package io.livepush;

/**
 * Answers plain (non-streaming) HTTP requests on the push server's port: a status page, a small API, the files
 * of a demo page. Requests no transport claims are offered to each service in registration order; the first
 * non-null reply wins, and a request nobody answers gets 404.
 *
 * <p><b>Threading:</b> runs on the connection's event loop and must not block. Request bodies are limited by
 * {@link LivePushServer.Builder#maxRequestBytes(int)}.
 */
@FunctionalInterface
public interface HttpService {
  /** Returns a reply, or {@code null} when this service does not handle the request. */
  HttpReply handle(RequestInfo request, byte[] body);
}
