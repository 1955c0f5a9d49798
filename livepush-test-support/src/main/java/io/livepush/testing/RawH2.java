package io.livepush.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A minimal HTTP/2 client on a blocking socket, for tests that need frames a well-behaved client never sends
 * (floods, bad prefaces, a stream whose window is never replenished). Frames are written by hand (RFC 9113 §4.1),
 * header blocks with Netty's HPACK encoder; every HEADERS frame read is decoded in order (the HPACK dynamic
 * table), and DATA is collected per stream as text. Acknowledges the server's SETTINGS. One test thread.
 */
public final class RawH2 implements AutoCloseable {
  public static final int DATA = 0;
  public static final int HEADERS = 1;
  public static final int RST_STREAM = 3;
  public static final int SETTINGS = 4;
  public static final int PING = 6;
  public static final int GOAWAY = 7;
  public static final int WINDOW_UPDATE = 8;
  public static final int CONTINUATION = 9;
  public static final int END_STREAM = 0x1;
  public static final int ACK = 0x1;
  public static final int END_HEADERS = 0x4;
  public static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** A frame read; {@code headers} is set for HEADERS. */
  public record Frame(int type, int flags, int stream, byte[] payload, Http2Headers headers) {
    /** The error code of a RST_STREAM or GOAWAY (RFC 9113 §7). */
    public long errorCode() {
      ByteBuffer b = ByteBuffer.wrap(payload);
      return Integer.toUnsignedLong(type == GOAWAY ? b.getInt(4) : b.getInt(0));
    }

    public boolean endStream() {
      return (flags & END_STREAM) != 0;
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
  /** DATA received per stream, as UTF-8 text. */
  public final Map<Integer, StringBuilder> text = new HashMap<>();
  /** Streams that received WINDOW_UPDATEs from this client as their DATA arrived. */
  public final java.util.Set<Integer> replenished = new java.util.HashSet<>();

  private RawH2(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Connects; sends the preface and an empty SETTINGS frame when {@code preface}. */
  public static RawH2 connect(int port, boolean preface) throws IOException {
    return connect(port, preface, 0);
  }

  /**
   * As {@link #connect(int, boolean)}, with a socket receive buffer of {@code receiveBuffer} bytes (0: the
   * system's), so a client that does not read fills the server's socket sooner.
   */
  public static RawH2 connect(int port, boolean preface, int receiveBuffer) throws IOException {
    Socket s = new Socket();
    if (receiveBuffer > 0) {
      s.setReceiveBufferSize(receiveBuffer);
    }
    s.setSoTimeout(15_000);
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    RawH2 c = new RawH2(s);
    if (preface) {
      c.out.write(PREFACE);
      c.frame(SETTINGS, 0, 0, new byte[0]);
    }
    return c;
  }

  public void raw(byte[] bytes) throws IOException {
    out.write(bytes);
  }

  public void frame(int type, int flags, int stream, byte[] payload) throws IOException {
    out.write(frameBytes(type, flags, stream, payload));
  }

  public static byte[] frameBytes(int type, int flags, int stream, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
    b.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
    b.put((byte) type).put((byte) flags).putInt(stream).put(payload);
    return b.array();
  }

  /** The HPACK block of a request's headers. */
  public byte[] block(Http2Headers headers) throws Http2Exception {
    ByteBuf buf = Unpooled.buffer();
    try {
      encoder.encodeHeaders(0, headers, buf);
      return ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
  }

  public static Http2Headers request(String method, String path) {
    return new DefaultHttp2Headers().method(method).path(path).scheme("http").authority("localhost");
  }

  /** A GET with END_STREAM. */
  public void get(int stream, String path, String... nameValues) throws IOException, Http2Exception {
    Http2Headers h = request("GET", path);
    for (int i = 0; i < nameValues.length; i += 2) {
      h.add(nameValues[i], nameValues[i + 1]);
    }
    frame(HEADERS, END_STREAM | END_HEADERS, stream, block(h));
  }

  public void windowUpdate(int stream, int increment) throws IOException {
    frame(WINDOW_UPDATE, 0, stream, ByteBuffer.allocate(4).putInt(increment).array());
  }

  /** Reads one frame (blocking, 15 s at most); {@code null} at end of stream. */
  public Frame read() throws IOException, Http2Exception {
    int length;
    try {
      length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
    } catch (EOFException e) {
      return null;
    }
    int type = in.readUnsignedByte();
    int flags = in.readUnsignedByte();
    int stream = in.readInt() & 0x7fffffff;
    byte[] payload = new byte[length];
    in.readFully(payload);
    Http2Headers headers = null;
    if (type == HEADERS) {
      ByteBuf buf = Unpooled.wrappedBuffer(payload);
      try {
        headers = decoder.decodeHeaders(stream, buf);
      } finally {
        buf.release();
      }
    } else if (type == SETTINGS && (flags & ACK) == 0) {
      try {
        frame(SETTINGS, ACK, 0, new byte[0]);
      } catch (IOException closedByTheServer) {
        // what is left to read is still read
      }
    } else if (type == DATA) {
      text.computeIfAbsent(stream, k -> new StringBuilder()).append(new String(payload, StandardCharsets.UTF_8));
      if (replenished.contains(stream) && length > 0) {
        windowUpdate(stream, length);
        windowUpdate(0, length);
      }
    }
    return new Frame(type, flags, stream, payload, headers);
  }

  /** Reads until a frame matches; fails at end of stream or after the socket timeout. */
  public Frame await(Predicate<Frame> match) throws IOException, Http2Exception {
    for (Frame f; (f = read()) != null; ) {
      if (match.test(f)) {
        return f;
      }
    }
    throw new EOFException("connection closed before the frame expected");
  }

  /** Reads until the text of {@code stream} contains {@code s}. */
  public void awaitText(int stream, String s) throws IOException, Http2Exception {
    while (!text.getOrDefault(stream, new StringBuilder()).toString().contains(s)) {
      if (read() == null) {
        throw new EOFException("connection closed before stream " + stream + " received " + s);
      }
    }
  }

  /** Reads until the server closes the connection; true if it did within the socket timeout. */
  public boolean awaitClosed() throws IOException, Http2Exception {
    try {
      while (read() != null) {
        // drain
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset by the server
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
