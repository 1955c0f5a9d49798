package io.livepush.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;

/**
 * A livepush.v1 WebSocket client on the JDK's RFC 6455 implementation that resumes like the protocol says: it
 * tracks the last id it saw (events, {@code subscribed}, {@code reset}) and, when the socket closes, reconnects
 * to the node {@code nodes} names next and subscribes again with {@code "from"}. Event data is the JSON string
 * {@code "<topic>/<seq>"}.
 */
public final class WsTestClient implements WebSocket.Listener, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String name;
  private final Supplier<URI> nodes;
  private final DeliveryChecker checker;
  private final List<String> topics;
  private final HttpClient http = HttpClient.newHttpClient();
  private final StringBuilder partial = new StringBuilder();
  private final Thread thread;
  public volatile String lastId;
  public volatile boolean closed;
  private volatile WebSocket ws;
  private volatile CompletableFuture<Void> ended;
  public final LinkedBlockingQueue<String> connects = new LinkedBlockingQueue<>();
  private volatile URI current;
  public final List<String> resetReasons = new CopyOnWriteArrayList<>();

  public WsTestClient(String name, Supplier<URI> nodes, DeliveryChecker checker, List<String> topics) {
    this(name, nodes, checker, topics, null);
  }

  /** A client that subscribes with {@code "from": lastId} from its first connection on ({@code null}: none). */
  public WsTestClient(String name, Supplier<URI> nodes, DeliveryChecker checker, List<String> topics,
      String lastId) {
    this.lastId = lastId;
    this.name = name;
    this.nodes = nodes;
    this.checker = checker;
    this.topics = topics;
    this.thread = new Thread(this::run, "ws-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    while (!closed) {
      try {
        ended = new CompletableFuture<>();
        URI uri = nodes.get();
        ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(2)).subprotocols("livepush.v1")
            .buildAsync(uri, this).join();
        ObjectNode sub = JSON.createObjectNode().put("type", "subscribe");
        topics.forEach(sub.putArray("topics")::add);
        if (lastId != null) {
          sub.put("from", lastId);
        }
        current = uri;
        ws.sendText(JSON.writeValueAsString(sub), true).join();
        ended.join(); // `connects` is signalled by the "subscribed" answer: only then is the subscription live
      } catch (Exception e) {
        if (closed) {
          return;
        }
      }
      try {
        Thread.sleep(50); // reconnection delay, not test synchronisation
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      handle(partial.toString());
      partial.setLength(0);
    }
    webSocket.request(1);
    return null;
  }

  private void handle(String text) {
    try {
      JsonNode m = JSON.readTree(text);
      switch (m.path("type").asText()) {
        case "event" -> {
          String data = m.path("data").asText();
          int slash = data.lastIndexOf('/');
          checker.received(name, data.substring(0, slash), Long.parseLong(data.substring(slash + 1)));
          lastId = m.path("id").asText();
        }
        case "reset" -> {
          resetReasons.add(m.path("reason").asText());
          checker.reset(name, m.path("topic").asText());
          lastId = m.path("id").asText();
        }
        case "subscribed" -> {
          lastId = m.path("id").asText();
          connects.add(current.toString());
        }
        default -> { }
      }
    } catch (Exception e) {
      throw new IllegalStateException("bad message " + text, e);
    }
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    ended.complete(null);
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    ended.complete(null);
  }

  /** Aborts the socket; the client reconnects and subscribes with its last id. */
  public void dropConnection() {
    WebSocket w = ws;
    if (w != null) {
      w.abort();
    }
    CompletableFuture<Void> e = ended;
    if (e != null) {
      e.complete(null);
    }
  }

  @Override
  public void close() {
    closed = true;
    WebSocket w = ws;
    if (w != null) {
      w.abort();
    }
    CompletableFuture<Void> e = ended;
    if (e != null) {
      e.complete(null);
    }
    thread.interrupt();
  }
}
