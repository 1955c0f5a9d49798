package io.livepush;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;

/**
 * Checks that bytes are exactly one JSON value (RFC 8259) in one pass of Jackson's streaming parser, with
 * duplicate-key detection ({@link JsonParser.Feature#STRICT_DUPLICATE_DETECTION}): a pre-serialised payload is
 * embedded as the {@code data} member of a WebSocket message, so a second value, a trailing fragment or a
 * duplicate key could otherwise forge members of that message (the last duplicate wins in most parsers).
 * Jackson's default {@code StreamReadConstraints} bound nesting depth and number and string lengths. Strict
 * JSON only: no comments, single quotes, NaN or unquoted names (the factory's defaults). Thread-safe.
 */
final class JsonCheck {
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private JsonCheck() {}

  /** Returns normally if {@code utf8} is one JSON value; throws {@link InvalidEventException} otherwise. */
  static void singleValue(byte[] utf8) {
    try (JsonParser p = FACTORY.createParser(utf8)) {
      if (p.nextToken() == null) {
        throw new InvalidEventException("raw JSON is empty (expected: exactly one JSON value)");
      }
      int depth = 0;
      JsonToken t = p.currentToken();
      while (true) {
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
          depth++;
        } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
          depth--;
        }
        if (depth == 0) {
          break;
        }
        t = p.nextToken();
        if (t == null) {
          throw new InvalidEventException("raw JSON ends inside a value");
        }
      }
      if (p.nextToken() != null) {
        throw new InvalidEventException("raw JSON has more than one value (expected: exactly one JSON value)");
      }
    } catch (StreamConstraintsException e) {
      throw new InvalidEventException("raw JSON exceeds Jackson's read constraints: " + e.getOriginalMessage());
    } catch (IOException e) {
      String m = e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe ? jpe.getOriginalMessage()
          : e.getMessage();
      throw new InvalidEventException("raw JSON is not valid JSON: " + truncate(m));
    }
  }

  private static String truncate(String m) {
    return m == null ? "" : m.length() > 200 ? m.substring(0, 200) + "..." : m;
  }
}
