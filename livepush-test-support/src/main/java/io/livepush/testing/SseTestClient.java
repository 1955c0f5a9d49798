package io.livepush.testing;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;

/**
 * An SSE client that behaves like a browser's {@code EventSource} behind a load balancer without stickiness:
 * it parses the stream per WHATWG HTML §9.2.6, keeps the last event id, and when the stream ends it reconnects
 * to whatever node {@code nodes} names next, sending {@code Last-Event-ID}. Every event payload is
 * {@code <topic>/<seq>}; events and resets are reported to a {@link DeliveryChecker}.
 */
public final class SseTestClient implements AutoCloseable {
  private final String name;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Supplier<URI> nodes;
  private final DeliveryChecker checker;
  private final Thread thread;
  public volatile String lastEventId;
  public volatile boolean closed;
  private volatile java.io.InputStream current;
  public final LinkedBlockingQueue<String> connects = new LinkedBlockingQueue<>();
  public final List<String> resetReasons = new CopyOnWriteArrayList<>();

  public SseTestClient(String name, Supplier<URI> nodes, DeliveryChecker checker, String lastEventId) {
    this.name = name;
    this.nodes = nodes;
    this.checker = checker;
    this.lastEventId = lastEventId;
    this.thread = new Thread(this::run, "sse-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    while (!closed) {
      URI uri = nodes.get();
      try {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").GET();
        String id = lastEventId;
        if (id != null && !id.isEmpty()) {
          b.header("Last-Event-ID", id);
        }
        HttpResponse<java.io.InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
          r.body().close();
          throw new IllegalStateException("HTTP " + r.statusCode());
        }
        current = r.body();
        if (closed) {
          r.body().close();
          return;
        }
        connects.add(uri.toString());
        read(r.body());
      } catch (Exception e) {
        if (closed) {
          return;
        }
        try {
          Thread.sleep(50); // the client's reconnection delay (SSE "retry"), not test synchronisation
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private void read(java.io.InputStream body) throws Exception {
    // WHATWG: the last event id is set when a block is dispatched, with or without data.
    SseLines parser = new SseLines(lastEventId, (type, data, id) -> {
      lastEventId = id;
      if (data != null) {
        dispatch(type, data);
      }
    });
    try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        parser.line(line);
      }
    }
  }

  private void dispatch(String type, String data) {
    if ("livepush.position".equals(type)) {
      return; // the stream's position: it only moved lastEventId
    }
    if ("reset".equals(type)) {
      String topic = field(data, "topic");
      resetReasons.add(field(data, "reason"));
      checker.reset(name, topic);
      return;
    }
    int slash = data.lastIndexOf('/');
    checker.received(name, data.substring(0, slash), Long.parseLong(data.substring(slash + 1)));
  }

  private static String field(String json, String name) {
    int i = json.indexOf("\"" + name + "\":\"") + name.length() + 4;
    return json.substring(i, json.indexOf('"', i));
  }

  /** Closes the current stream; the client reconnects (with its last id) like after a network failure. */
  public void dropConnection() {
    java.io.InputStream in = current;
    if (in != null) {
      try {
        in.close();
      } catch (java.io.IOException ignored) {
        // reconnecting anyway
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    java.io.InputStream in = current;
    if (in != null) {
      try {
        in.close();
      } catch (java.io.IOException ignored) {
        // closing anyway
      }
    }
  }
}
