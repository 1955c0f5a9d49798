package io.livepush.websocket;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A minimal text/event-stream reader over the JDK HttpClient: queues "id|event|data" per dispatched block. */
final class SseReader implements AutoCloseable {
  final BlockingQueue<String[]> blocks = new LinkedBlockingQueue<>();
  private final InputStream body;

  SseReader(int port, String path, String lastEventId) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET();
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<InputStream> r = HttpClient.newHttpClient().send(b.build(),
        HttpResponse.BodyHandlers.ofInputStream());
    if (r.statusCode() != 200) {
      throw new AssertionError("SSE status " + r.statusCode());
    }
    body = r.body();
    Thread t = new Thread(this::read, "sse-reader");
    t.setDaemon(true);
    t.start();
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String id = null;
      String event = null;
      StringBuilder data = null;
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isEmpty()) {
          if (id != null || data != null) {
            blocks.add(new String[] {id, event, data == null ? null : data.toString()});
          }
          id = null;
          event = null;
          data = null;
        } else if (line.startsWith("id:")) {
          id = line.substring(3).trim();
        } else if (line.startsWith("event:")) {
          event = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          String d = line.substring(5).startsWith(" ") ? line.substring(6) : line.substring(5);
          data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
        }
      }
    } catch (Exception e) {
      // stream closed
    }
  }

  /** The next application event, skipping livepush's position blocks; returns {id, event, data}. */
  String[] nextEvent() throws InterruptedException {
    for (;;) {
      String[] b = blocks.poll(10, TimeUnit.SECONDS);
      if (b == null) {
        throw new AssertionError("no SSE event within 10 s");
      }
      if (b[2] != null && !io.livepush.Event.POSITION_TYPE.equals(b[1])) {
        return b;
      }
    }
  }

  @Override
  public void close() throws Exception {
    body.close();
  }
}
