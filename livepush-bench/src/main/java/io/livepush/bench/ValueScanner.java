package io.livepush.bench;

/**
 * Finds {@code "s":<digits>} and {@code "t":<digits>} in a byte stream without buffering or allocating, across
 * any read boundaries. Works on SSE bodies and on WebSocket text payloads alike: no livepush envelope key is a
 * single letter, so only the payload's own keys match. One instance per connection; not thread-safe.
 */
public final class ValueScanner {
  /** Receives each value found. */
  public interface Sink {
    void value(byte key, long value);
  }

  private int state; // 0 idle, 1 after quote, 2 after key letter, 3 after closing quote, 4 in digits
  private byte key;
  private long value;
  private boolean digits;

  /** Feeds one byte. */
  public void feed(byte b, Sink sink) {
    switch (state) {
      case 0:
        if (b == '"') {
          state = 1;
        }
        break;
      case 1:
        if (b == 's' || b == 't') {
          key = b;
          state = 2;
        } else if (b != '"') {
          state = 0;
        }
        break;
      case 2:
        state = b == '"' ? 3 : 0;
        break;
      case 3:
        if (b == ':') {
          value = 0;
          digits = false;
          state = 4;
        } else {
          state = b == '"' ? 1 : 0;
        }
        break;
      default:
        if (b >= '0' && b <= '9') {
          value = value * 10 + (b - '0');
          digits = true;
        } else {
          if (digits) {
            sink.value(key, value);
          }
          state = b == '"' ? 1 : 0;
        }
        break;
    }
  }
}
