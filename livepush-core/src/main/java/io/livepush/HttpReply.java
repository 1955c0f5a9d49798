package io.livepush;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A complete, small HTTP response produced by an {@link HttpService}: status, content type, body and extra
 * headers. Immutable.
 */
public final class HttpReply {
  private final int status;
  private final String contentType;
  private final byte[] body;
  private final Map<String, String> headers;

  private HttpReply(int status, String contentType, byte[] body, Map<String, String> headers) {
    this.status = status;
    this.contentType = contentType;
    this.body = body;
    this.headers = headers;
  }

  /** A reply with {@code body} (not copied: do not modify it afterwards). */
  public static HttpReply of(int status, String contentType, byte[] body) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status: " + status + " (expected: 100..599)");
    }
    return new HttpReply(status, Objects.requireNonNull(contentType, "contentType"),
        Objects.requireNonNull(body, "body"), Map.of());
  }

  /** A UTF-8 text reply. */
  public static HttpReply text(int status, String text) {
    return of(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
  }

  /** A JSON reply from an already serialised document. */
  public static HttpReply json(int status, String json) {
    return of(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
  }

  /** A copy with one more response header. */
  public HttpReply withHeader(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(Objects.requireNonNull(name), Objects.requireNonNull(value));
    return new HttpReply(status, contentType, body, Map.copyOf(copy));
  }

  public int status() {
    return status;
  }

  public String contentType() {
    return contentType;
  }

  /** The body; not a copy. */
  public byte[] body() {
    return body;
  }

  public Map<String, String> headers() {
    return headers;
  }
}
