package io.livepush.sse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A raw HTTP/1.x client over one socket, for requests the JDK client cannot express (bad request lines, several
 * Host headers, asterisk-form) and for checking bytes exactly: that a HEAD response has no body, that the next
 * response on a keep-alive connection starts right after it.
 */
final class RawHttp implements AutoCloseable {
  /** A parsed response: status, headers (lower-case names, last wins) and the body read. */
  record Response(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final Socket socket;
  private final InputStream in;

  RawHttp(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    in = socket.getInputStream();
  }

  /** Sends {@code request} as ISO-8859-1 bytes (CRLFs included by the caller). */
  RawHttp send(String request) throws IOException {
    socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
    return this;
  }

  /**
   * Reads one response head and a body of {@code Content-Length} bytes (none for {@code head == true}, or
   * when there is no Content-Length and {@code untilClose} is false).
   */
  Response read(boolean head, boolean untilClose) throws IOException {
    String headText = readHead();
    String[] lines = headText.split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String length = headers.get("content-length");
    if (!head && length != null) {
      int n = Integer.parseInt(length);
      for (int i = 0; i < n; i++) {
        int b = in.read();
        if (b < 0) {
          break;
        }
        body.write(b);
      }
    } else if (untilClose) {
      in.transferTo(body);
    }
    return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
  }

  /** Sends {@code request} and reads the response (body by Content-Length). */
  Response exchange(String request) throws IOException {
    return send(request).read(request.startsWith("HEAD "), false);
  }

  /** Whether the server closed the connection (read returns EOF) with nothing more sent. */
  boolean closedWithoutMoreBytes() throws IOException {
    return in.read() < 0;
  }

  private String readHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after " + head.size() + " bytes: " + head);
      }
      head.write(b);
      state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1
          : b == '\r' ? 1 : 0;
    }
    return head.toString(StandardCharsets.ISO_8859_1).trim();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
