package io.livepush.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One livepush.v1 connection with the JDK's WebSocket client that queues every server message as JSON; bounded by
 * a test's few messages.
 */
final class WsJsonClient implements WebSocket.Listener {
  private static final ObjectMapper JSON = new ObjectMapper();
  final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
  final WebSocket ws;
  private final StringBuilder partial = new StringBuilder();

  WsJsonClient(URI uri) {
    ws = HttpClient.newHttpClient().newWebSocketBuilder().subprotocols("livepush.v1").buildAsync(uri, this).join();
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      try {
        received.add(JSON.readTree(partial.toString()));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      partial.setLength(0);
    }
    webSocket.request(1);
    return null;
  }

  void send(String json) {
    ws.sendText(json, true).join();
  }

  /** The next message of {@code type} (others, like replays of earlier events, are skipped). */
  JsonNode next(String type) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      JsonNode m = received.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (m != null && m.get("type").asText().equals(type)) {
        return m;
      }
    }
    throw new AssertionError("no " + type + " within 10 s");
  }

  /** The next message, whatever its type. */
  JsonNode next() throws InterruptedException {
    JsonNode m = received.poll(10, TimeUnit.SECONDS);
    if (m == null) {
      throw new AssertionError("no message within 10 s");
    }
    return m;
  }

  void close() {
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
  }
}
