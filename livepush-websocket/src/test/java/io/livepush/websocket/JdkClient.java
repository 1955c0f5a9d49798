package io.livepush.websocket;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The JDK's RFC 6455 client ({@code java.net.http.WebSocket}), recording text messages and the close code. */
final class JdkClient implements WebSocket.Listener, AutoCloseable {
  final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
  final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder();
  WebSocket ws;

  static JdkClient connect(int port, String path) {
    JdkClient c = new JdkClient();
    c.ws = HttpClient.newHttpClient().newWebSocketBuilder()
        .connectTimeout(Duration.ofSeconds(5))
        .subprotocols("livepush.v1")
        .buildAsync(URI.create("ws://127.0.0.1:" + port + path), c)
        .join();
    return c;
  }

  /** Aborts the connection (no closing handshake). */
  @Override
  public void close() {
    ws.abort();
  }

  void send(String json) {
    ws.sendText(json, true).join();
  }

  String next() throws InterruptedException {
    String s = texts.poll(10, TimeUnit.SECONDS);
    if (s == null) {
      throw new AssertionError("no message within 10 s");
    }
    return s;
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      texts.add(partial.toString());
      partial.setLength(0);
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closeCode.complete(statusCode);
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closeCode.completeExceptionally(error);
  }
}
