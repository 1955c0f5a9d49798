package io.livepush.sse;

import io.livepush.Event;
import io.livepush.spi.HttpFields;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/**
 * What a {@link SseStreamHandler} answers: {@link #accept accept} the request (or stream a publisher,
 * {@link #from}), and only then does the
 * {@code 200} with the event-stream head go out and the stream start; or {@link #reject reject} it with any
 * status and body, sent as a complete response and followed by the connection's close.
 */
public final class StreamResponse {
  private final Consumer<SseEmitter> stream;
  private final int status;
  private final String contentType;
  private final byte[] body;
  private final Map<String, String> headers;

  private StreamResponse(Consumer<SseEmitter> stream, int status, String contentType, byte[] body,
      Map<String, String> headers) {
    this.stream = stream;
    this.status = status;
    this.contentType = contentType;
    this.body = body;
    this.headers = headers;
  }

  /**
   * Accepts: the response head is written and {@code stream} receives the emitter where the handler ran: on the
   * blocking executor for a plain handler (it may block, e.g. loop over {@link SseEmitter#sendAndWait}), on the
   * connection's event loop for a {@link SseStreamHandler#nonBlocking}/{@link SseStreamHandler#async} one (it
   * must not block there: chain on the emitter's stages or start the work elsewhere).
   *
   * @param stream called once with the stream's emitter; not {@code null}
   * @return an accepting response (status 200, {@code text/event-stream})
   * @throws NullPointerException if {@code stream} is {@code null}
   */
  public static StreamResponse accept(Consumer<SseEmitter> stream) {
    return new StreamResponse(Objects.requireNonNull(stream, "stream"), 200, null, null, Map.of());
  }

  /**
   * Accepts and streams what {@code events} publishes, with backpressure: demand follows the connection's
   * outbound budget (see {@link SseEmitter#subscriber()}); the stream completes when the publisher completes.
   *
   * @param events the publisher, subscribed to once the response head is written; not {@code null}
   * @return an accepting response
   * @throws NullPointerException if {@code events} is {@code null}
   */
  public static StreamResponse from(Flow.Publisher<? extends Event> events) {
    Objects.requireNonNull(events, "events");
    return accept(emitter -> events.subscribe(emitter.subscriber()));
  }

  /**
   * Refuses with {@code status} and a {@code text/plain; charset=utf-8} body.
   *
   * @param status the status code, 200-599 except 204 and 304
   * @param message the body text, sent to the client, so keep secrets out of it; not {@code null}
   * @return a rejecting response
   * @throws IllegalArgumentException if the status is out of range
   */
  public static StreamResponse reject(int status, String message) {
    return reject(status, "text/plain; charset=utf-8", Objects.requireNonNull(message, "message")
        .getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Refuses with {@code status} and a JSON body ({@code application/json}); {@code json} is sent as is.
   *
   * @param status the status code, 200-599 except 204 and 304
   * @param json the serialised document, sent as UTF-8 unchecked; not {@code null}
   * @return a rejecting response
   * @throws IllegalArgumentException if the status is out of range
   */
  public static StreamResponse rejectJson(int status, String json) {
    return reject(status, "application/json", Objects.requireNonNull(json, "json").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Refuses with {@code status} (200-599, not 204 or 304, which have no body), a {@code contentType} and a
   * {@code body} (copied).
   *
   * @param status the status code, 200-599 except 204 and 304
   * @param contentType the {@code Content-Type} value; not {@code null}
   * @param body the body bytes, copied; not {@code null}
   * @return a rejecting response
   * @throws IllegalArgumentException if the status is out of range
   * @throws io.livepush.InvalidHttpFieldException if the content type is not a valid field value (RFC 9110 §5.5,
   *     see {@link HttpFields#value})
   */
  public static StreamResponse reject(int status, String contentType, byte[] body) {
    if (status < 200 || status > 599 || status == 204 || status == 304) {
      throw new IllegalArgumentException("status: " + status + " (expected: 200-599 with a body)");
    }
    return new StreamResponse(null, status, HttpFields.value("contentType", contentType), body.clone(), Map.of());
  }

  /**
   * A copy of this rejection with one more response header (for example {@code Retry-After}).
   *
   * @param name the header name, an RFC 9110 token; replaces an earlier header of exactly this name
   * @param value the header value (RFC 9110 §5.5): visible ASCII, space and tab inside, obs-text
   * @return the new response; this one is unchanged
   * @throws io.livepush.InvalidHttpFieldException if the name is not an RFC 9110 token or names a field livepush
   *     writes itself (framing, content type, connection-specific: {@link HttpFields#responseName}), or the value
   *     breaks the field-value grammar (see {@link HttpFields})
   * @throws IllegalStateException on an accepting response
   */
  public StreamResponse withHeader(String name, String value) {
    if (stream != null) {
      throw new IllegalStateException("headers of an accepted stream are livepush's (text/event-stream)");
    }
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(HttpFields.responseName(name), HttpFields.value(name, value));
    return new StreamResponse(null, status, contentType, body, Map.copyOf(h));
  }

  boolean accepted() {
    return stream != null;
  }

  Consumer<SseEmitter> stream() {
    return stream;
  }

  int status() {
    return status;
  }

  String contentType() {
    return contentType;
  }

  byte[] body() {
    return body;
  }

  Map<String, String> headers() {
    return headers;
  }

  @Override
  public String toString() {
    return stream != null ? "StreamResponse{accept}" : "StreamResponse{reject " + status + ", " + body.length
        + " bytes}";
  }
}
