package io.livepush.websocket;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.java_websocket.WebSocket;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.drafts.Draft;
import org.java_websocket.framing.Framedata;
import org.java_websocket.handshake.ServerHandshake;

/** An independent client (TooTallNate Java-WebSocket 1.6.0) recording text, binary and the close code. */
final class JwsClient extends WebSocketClient {
  final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
  final BlockingQueue<ByteBuffer> binaries = new LinkedBlockingQueue<>();
  final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  final boolean answerPings;
  /** The server's {@code Sec-WebSocket-Extensions} answer, or {@code null} if it sent none. */
  volatile String extensions;

  JwsClient(int port, String path, boolean answerPings, Map<String, String> headers) {
    super(URI.create("ws://127.0.0.1:" + port + path), headers);
    this.answerPings = answerPings;
    setConnectionLostTimeout(0); // no client-side pings: the server's heartbeat is under test
  }

  JwsClient(int port, String path, Draft draft) {
    super(URI.create("ws://127.0.0.1:" + port + path), draft);
    this.answerPings = true;
    setConnectionLostTimeout(0);
  }

  static JwsClient connect(int port, String path) throws InterruptedException {
    return connect(port, path, true);
  }

  static JwsClient connect(int port, String path, boolean answerPings) throws InterruptedException {
    JwsClient c = new JwsClient(port, path, answerPings, Map.of());
    if (!c.connectBlocking(10, TimeUnit.SECONDS)) {
      throw new AssertionError("could not connect");
    }
    return c;
  }

  String next() throws InterruptedException {
    String s = texts.poll(10, TimeUnit.SECONDS);
    if (s == null) {
      throw new AssertionError("no message within 10 s");
    }
    return s;
  }

  @Override
  public void onWebsocketPing(WebSocket conn, Framedata f) {
    if (answerPings) {
      super.onWebsocketPing(conn, f);
    }
  }

  @Override
  public void onOpen(ServerHandshake handshake) {
    extensions = handshake.getFieldValue("Sec-WebSocket-Extensions");
    if (extensions.isEmpty()) {
      extensions = null; // Java-WebSocket answers "" for a missing header
    }
  }

  @Override
  public void onMessage(String message) {
    texts.add(message);
  }

  @Override
  public void onMessage(ByteBuffer bytes) {
    binaries.add(bytes);
  }

  @Override
  public void onClose(int code, String reason, boolean remote) {
    closeCode.complete(code);
  }

  @Override
  public void onError(Exception ex) {}
}
