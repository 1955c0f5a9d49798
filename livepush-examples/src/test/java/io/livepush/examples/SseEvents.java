package io.livepush.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads an event stream opened with the JDK's HttpClient and queues its dispatched events (WHATWG HTML §9.2.6:
 * {@code event:}/{@code data:} fields, a blank line dispatches, comments and {@code retry:} ignored; livepush's
 * position blocks only set the id), on one daemon
 * thread per stream. The queue holds a test's few events.
 */
final class SseEvents implements AutoCloseable {
  /** One dispatched event; {@code id} is the stream's last event id after it. */
  record Received(String type, String data, String id) {}

  final HttpResponse<InputStream> response;
  final BlockingQueue<Received> events = new LinkedBlockingQueue<>();
  /** Every id the stream set, in order (id-only blocks included). */
  final BlockingQueue<String> ids = new LinkedBlockingQueue<>();

  SseEvents(HttpResponse<InputStream> response) {
    this.response = response;
    Thread t = new Thread(this::read, "sse-events");
    t.setDaemon(true);
    t.start();
  }

  private void read() {
    String type = "message";
    String id = "";
    StringBuilder data = null;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        if (line.isEmpty()) {
          if (data != null && !type.equals(io.livepush.Event.POSITION_TYPE)) {
            events.add(new Received(type, data.toString(), id)); // position blocks only move the id
          }
          type = "message";
          data = null;
        } else if (line.startsWith("data:")) {
          data = data == null ? new StringBuilder() : data.append('\n');
          data.append(line.substring(5).stripLeading());
        } else if (line.startsWith("event:")) {
          type = line.substring(6).strip();
        } else if (line.startsWith("id:")) {
          id = line.substring(3).strip();
          ids.add(id);
        }
      }
    } catch (IOException e) {
      // closed by the test or the server
    }
  }

  /** The next event, waiting at most 10 s. */
  Received next() throws InterruptedException {
    Received r = events.poll(10, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("no event within 10 s");
    }
    return r;
  }

  /** The first id the stream sets (its subscription position), waiting at most 10 s. */
  String position() throws InterruptedException {
    String id = ids.poll(10, TimeUnit.SECONDS);
    if (id == null) {
      throw new AssertionError("no id within 10 s");
    }
    return id;
  }

  @Override
  public void close() throws IOException {
    response.body().close();
  }
}
