package io.livepush.websocket;

import io.livepush.testing.HttpHead;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A raw socket for what real clients refuse to send: malformed handshakes and invalid frames. Server frames are
 * read per RFC 6455 §5.2 (the server never masks).
 */
final class RawWs implements AutoCloseable {
  final Socket socket;
  final OutputStream out;
  final DataInputStream in;

  RawWs(int port) throws IOException {
    this(new Socket("127.0.0.1", port));
  }

  /** Wraps a connected socket (for example one with a tiny receive buffer set before connecting). */
  RawWs(Socket connected) throws IOException {
    socket = connected;
    socket.setSoTimeout(10_000);
    out = socket.getOutputStream();
    in = new DataInputStream(socket.getInputStream());
  }

  /**
   * A connection whose receive buffer is {@code bytes}, set before connecting so the window it advertises stays
   * small: a client that stops reading is seen as one after little data.
   */
  static RawWs withReceiveBuffer(int port, int bytes) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(bytes);
    s.connect(new java.net.InetSocketAddress("127.0.0.1", port));
    return new RawWs(s);
  }

  /** Sends a request and returns the response head (status line and headers). */
  String request(String head) throws IOException {
    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return readHead(in);
  }

  static String upgrade(String path, String... extraHeaders) {
    StringBuilder sb = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (String h : extraHeaders) {
      sb.append(h).append("\r\n");
    }
    return sb.append("\r\n").toString();
  }

  static final String[] GOOD = {"Upgrade: websocket", "Connection: Upgrade",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"};

  /** Completes a valid handshake; returns the response head. */
  String handshake(String path) throws IOException {
    String head = request(upgrade(path, GOOD));
    if (!head.startsWith("HTTP/1.1 101")) {
      throw new AssertionError("expected 101, got " + head);
    }
    return head;
  }

  static String readHead(InputStream in) throws IOException {
    return HttpHead.read(in);
  }

  /** Writes one client frame, masked unless {@code masked} is false. */
  void frame(boolean fin, int opcode, byte[] payload, boolean masked) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write((fin ? 0x80 : 0) | opcode);
    int mask = masked ? 0x80 : 0;
    if (payload.length < 126) {
      b.write(mask | payload.length);
    } else if (payload.length <= 0xFFFF) {
      b.write(mask | 126);
      b.write(payload.length >>> 8);
      b.write(payload.length);
    } else {
      b.write(mask | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        b.write((int) ((long) payload.length >>> shift));
      }
    }
    byte[] key = new byte[4];
    ThreadLocalRandom.current().nextBytes(key);
    if (masked) {
      b.write(key, 0, 4);
    }
    for (int i = 0; i < payload.length; i++) {
      b.write(masked ? payload[i] ^ key[i & 3] : payload[i]);
    }
    out.write(b.toByteArray());
    out.flush();
  }

  /** A server frame: opcode and payload. */
  static final class Frame {
    final int opcode;
    final byte[] payload;

    Frame(int opcode, byte[] payload) {
      this.opcode = opcode;
      this.payload = payload;
    }

    int closeCode() {
      return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : -1;
    }
  }

  Frame readFrame() throws IOException {
    int b0 = in.readUnsignedByte();
    int b1 = in.readUnsignedByte();
    if ((b1 & 0x80) != 0) {
      throw new AssertionError("server frame is masked");
    }
    long len = b1 & 0x7F;
    if (len == 126) {
      len = in.readUnsignedShort();
    } else if (len == 127) {
      len = in.readLong();
    }
    byte[] p = new byte[Math.toIntExact(len)];
    in.readFully(p);
    return new Frame(b0 & 0x0F, p);
  }

  /** Like {@link #awaitCloseCode} but returns -2 when the server drops TCP without a close frame. */
  int awaitCloseCodeOrDrop() throws IOException {
    try {
      return awaitCloseCode();
    } catch (java.io.EOFException | java.net.SocketException e) {
      return -2;
    }
  }

  /** Reads frames until a close frame and returns its code (-1 for an empty close). */
  int awaitCloseCode() throws IOException {
    for (;;) {
      Frame f = readFrame();
      if (f.opcode == 0x8) {
        return f.closeCode();
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
