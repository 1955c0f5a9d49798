package io.livepush.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reading an HTTP/1.1 response head off a raw socket, for test clients that speak HTTP themselves. */
public final class HttpHead {
  private HttpHead() {}

  /**
   * Reads a response head byte by byte up to and including the blank line (CRLF CRLF), or to end of stream;
   * reads nothing past it, so the body stays in {@code in}.
   */
  public static String read(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      b.write(c);
      state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1
          : 0;
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }
}
