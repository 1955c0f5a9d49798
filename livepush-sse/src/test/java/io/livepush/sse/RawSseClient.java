package io.livepush.sse;

import io.livepush.testing.SseLines;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads an event stream with the JDK's HttpClient and parses it the way WHATWG HTML §9.2.6 says a browser does
 * (fields, comments, the id that persists across events), so tests can assert both raw lines and events.
 */
final class RawSseClient implements AutoCloseable {
  /** A dispatched event; {@code lastEventId} is the client's last-event-id after it. */
  record Received(String type, String data, String lastEventId) {}

  final HttpResponse<InputStream> response;
  /** Dispatched events except livepush's position blocks, which go to {@link #positions}. */
  final BlockingQueue<Received> events = new LinkedBlockingQueue<>();
  final BlockingQueue<Received> positions = new LinkedBlockingQueue<>();
  final BlockingQueue<String> comments = new LinkedBlockingQueue<>();
  final List<String> rawLines = java.util.Collections.synchronizedList(new ArrayList<>());
  final BlockingQueue<String> idChanges = new LinkedBlockingQueue<>();
  volatile String lastEventId = "";
  volatile long retry = -1;
  private final Thread reader;
  volatile boolean ended;
  /** Counted down at end of stream. */
  final java.util.concurrent.CountDownLatch endedLatch = new java.util.concurrent.CountDownLatch(1);

  private RawSseClient(HttpResponse<InputStream> response) {
    this.response = response;
    this.reader = new Thread(this::read, "sse-test-reader");
    reader.setDaemon(true);
    reader.start();
  }

  static RawSseClient open(HttpClient client, URI uri, String lastEventId) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").GET();
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    return open(client, b.build());
  }

  static RawSseClient open(HttpClient client, HttpRequest request) throws Exception {
    HttpResponse<InputStream> r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    return new RawSseClient(r);
  }

  private void read() {
    SseLines parser = new SseLines(lastEventId, new SseLines.Handler() {
      @Override
      public void block(String type, String data, String id) {
        if (data != null) {
          (io.livepush.Event.POSITION_TYPE.equals(type) ? positions : events).add(new Received(type, data, id));
        }
      }

      @Override
      public void comment(String line) {
        comments.add(line);
      }

      @Override
      public void id(String id) {
        lastEventId = id;
        idChanges.add(id);
      }

      @Override
      public void retry(String value) {
        retry = Long.parseLong(value);
      }
    });
    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        rawLines.add(line);
        parser.line(line);
      }
    } catch (IOException e) {
      // connection closed
    } finally {
      ended = true;
      endedLatch.countDown();
    }
  }

  /** Waits for the first id of the stream (of the position block or an event) and returns it. */
  String awaitAnyId() throws InterruptedException {
    String seen = idChanges.poll(10, TimeUnit.SECONDS);
    if (seen == null) {
      throw new AssertionError("no id within 10 s; raw lines: " + rawLines);
    }
    return seen;
  }

  Received next() throws InterruptedException {
    Received r = events.poll(10, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("no event within 10 s; raw lines so far: " + rawLines);
    }
    return r;
  }

  List<Received> next(int n) throws InterruptedException {
    List<Received> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(next());
    }
    return out;
  }

  /** Waits until the client's last-event-id equals {@code id} (set by the position block or an event). */
  void awaitLastEventId(String id) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      String seen = idChanges.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (seen == null) {
        throw new AssertionError("last-event-id stayed " + lastEventId + ", expected " + id);
      }
      if (seen.equals(id)) {
        return;
      }
    }
  }

  @Override
  public void close() throws IOException {
    response.body().close();
  }
}
