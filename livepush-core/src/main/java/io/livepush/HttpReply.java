package io.livepush;

import io.livepush.spi.HttpFields;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A complete, small HTTP response produced by an {@link HttpService}: status, content type, body and extra
 * headers. Immutable.
 *
 * <p>Header names must be RFC 9110 tokens and values (the content type too) RFC 9110 §5.5 field values
 * (no CR, LF or NUL, no characters above U+00FF): anything else throws {@link InvalidHttpFieldException} here,
 * so an application cannot split a response. The router adds {@code X-Content-Type-Options: nosniff} to every
 * reply, and sends no body for {@code HEAD} (RFC 9110 §9.3.2), nor {@code Content-Type} and
 * {@code Content-Length} for 204.
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

  /**
   * A reply with {@code body} (not copied: do not modify it afterwards).
   *
   * @param status the HTTP status code, 200..599
   * @param contentType the {@code Content-Type} field value; not {@code null}
   * @param body the body bytes, owned by the reply from now on; not {@code null}, may be empty
   * @return a reply without extra headers
   * @throws NullPointerException if {@code body} is {@code null}
   * @throws IllegalArgumentException if {@code status} is not 200..599 (livepush sends no 1xx replies)
   * @throws InvalidHttpFieldException if {@code contentType} is not a valid field value
   */
  public static HttpReply of(int status, String contentType, byte[] body) {
    if (status < 200 || status > 599) {
      throw new IllegalArgumentException("status: " + status + " (expected: 200..599)");
    }
    return new HttpReply(status, HttpFields.value("contentType", contentType),
        Objects.requireNonNull(body, "body"), Map.of());
  }

  /**
   * A UTF-8 text reply ({@code text/plain; charset=utf-8}).
   *
   * @param status the HTTP status code, 200..599
   * @param text the body; not {@code null}
   * @return a reply without extra headers
   * @throws IllegalArgumentException if {@code status} is not 200..599
   */
  public static HttpReply text(int status, String text) {
    return of(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A JSON reply ({@code application/json}) from an already serialised document; the document is not checked.
   *
   * @param status the HTTP status code, 200..599
   * @param json the serialised document, sent as UTF-8; not {@code null}
   * @return a reply without extra headers
   * @throws IllegalArgumentException if {@code status} is not 200..599
   */
  public static HttpReply json(int status, String json) {
    return of(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A copy with one more response header; this reply is unchanged.
   *
   * @param name the field name (an RFC 9110 token); replaces an earlier header of exactly this name; not one of the
   *     fields livepush writes itself (framing, content type, connection-specific: see {@link
   *     io.livepush.spi.HttpFields#responseName})
   * @param value the field value (RFC 9110 §5.5)
   * @return the new reply
   * @throws InvalidHttpFieldException if {@code name} is not a token or is such a field, or {@code value} is not a
   *     field value
   */
  public HttpReply withHeader(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(HttpFields.responseName(name), HttpFields.value(name, value));
    return new HttpReply(status, contentType, body, Map.copyOf(copy));
  }

  /**
   * The status code.
   *
   * @return the HTTP status code, 200..599
   */
  public int status() {
    return status;
  }

  /**
   * The content type.
   *
   * @return the {@code Content-Type} field value, already validated; never {@code null}
   */
  public String contentType() {
    return contentType;
  }

  /**
   * The body; not a copy.
   *
   * @return the body bytes (do not modify them); never {@code null}, empty for no body
   */
  public byte[] body() {
    return body;
  }

  /**
   * The extra response headers, in addition to those the router sets.
   *
   * @return field names to values, validated and unmodifiable; never {@code null}
   */
  public Map<String, String> headers() {
    return headers;
  }
}
