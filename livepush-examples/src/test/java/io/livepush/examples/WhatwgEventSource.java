package io.livepush.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An EventSource that follows WHATWG HTML §9.2 to the letter, as the reference the other clients of
 * {@link ResumeMatrixTest} are compared with: §9.2.6 "Interpreting an event stream" (UTF-8 decode, one leading
 * BOM stripped, CRLF/LF/CR line ends, fields, the per-stream data / event type / last event ID buffers, "dispatch
 * the event" steps 1 to 6, an unterminated last event discarded) and §9.2.3 reconnection (after the
 * reconnection time, with {@code Last-Event-ID} when the last event ID string is not empty). Runs on its own
 * threads; dispatched events queue up for {@link #next()}.
 */
final class WhatwgEventSource implements AutoCloseable {
  /** What "dispatch the event" step 5 hands to listeners. */
  record Dispatched(String type, String data, String lastEventId) {}

  private final URI url;
  private final HttpClient http = HttpClient.newHttpClient();
  private final BlockingQueue<Dispatched> events = new LinkedBlockingQueue<>();
  private final ScheduledExecutorService reconnects = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "whatwg-eventsource");
    t.setDaemon(true);
    return t;
  });
  private final AtomicInteger connections = new AtomicInteger();
  /** The EventSource's "last event ID string"; survives reconnections (§9.2.3). */
  private volatile String lastEventIdString = "";
  /** The "reconnection time" in ms; §9.2.2 lets the user agent pick the initial value. */
  private volatile long reconnectionTime = 100;
  private volatile boolean closed;
  private volatile InputStream body;

  WhatwgEventSource(URI url) {
    this.url = url;
    reconnects.execute(this::connect);
  }

  /** The next dispatched event, waiting up to 10 s. */
  Dispatched next() throws InterruptedException {
    Dispatched d = events.poll(10, TimeUnit.SECONDS);
    if (d == null) {
      throw new AssertionError("no event within 10 s from " + url);
    }
    return d;
  }

  /** How many times the stream was (re)opened. */
  int connections() {
    return connections.get();
  }

  private void connect() {
    if (closed) {
      return;
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(url).header("Accept", "text/event-stream")
        .header("Cache-Control", "no-store");
    if (!lastEventIdString.isEmpty()) {
      request.header("Last-Event-ID", lastEventIdString);
    }
    try {
      HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      connections.incrementAndGet();
      if (response.statusCode() != 200) {
        response.body().close();
        return; // §9.2.3: any other status fails the connection, no reconnection
      }
      body = response.body();
      interpret(new InputStreamReader(body, StandardCharsets.UTF_8));
    } catch (IOException e) {
      // a network error: reestablish the connection below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (!closed) {
      reconnects.schedule(this::connect, reconnectionTime, TimeUnit.MILLISECONDS);
    }
  }

  /** §9.2.6 on one stream; returns at its end. The decoder replaces invalid UTF-8 with U+FFFD as required. */
  private void interpret(Reader in) throws IOException {
    StringBuilder data = new StringBuilder();
    StringBuilder line = new StringBuilder();
    String[] eventType = {""};
    String[] lastEventIdBuffer = {""};
    boolean first = true;
    boolean afterCr = false;
    int c;
    while ((c = in.read()) != -1) {
      if (first) {
        first = false;
        if (c == '\uFEFF') {
          continue; // one leading BOM is stripped
        }
      }
      if (afterCr && c == '\n') {
        afterCr = false; // the LF of a CRLF
        continue;
      }
      afterCr = c == '\r';
      if (c == '\r' || c == '\n') {
        processLine(line.toString(), data, eventType, lastEventIdBuffer);
        line.setLength(0);
      } else {
        line.append((char) c);
      }
    }
    // End of stream: a pending event that was not followed by a blank line is not dispatched.
  }

  // Independent of io.livepush.testing.SseLines on purpose: the reference must not share the parser of the test
  // clients it is compared with, or a mistake in that parser would pass in both.
  private void processLine(String line, StringBuilder data, String[] eventType, String[] lastEventIdBuffer) {
    if (line.isEmpty()) {
      dispatch(data, eventType, lastEventIdBuffer[0]);
      return;
    }
    if (line.charAt(0) == ':') {
      return;
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "event" -> eventType[0] = value;
      case "data" -> data.append(value).append('\n');
      case "id" -> {
        if (value.indexOf('\0') < 0) {
          lastEventIdBuffer[0] = value;
        }
      }
      case "retry" -> {
        if (!value.isEmpty() && value.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
          reconnectionTime = Long.parseLong(value);
        }
      }
      default -> { } // ignored
    }
  }

  /** "Dispatch the event", steps 1 to 6. */
  private void dispatch(StringBuilder data, String[] eventType, String lastEventIdBuffer) {
    lastEventIdString = lastEventIdBuffer; // step 1, whether or not anything is dispatched
    if (data.length() == 0) { // step 2
      eventType[0] = "";
      return;
    }
    if (data.charAt(data.length() - 1) == '\n') { // step 3
      data.setLength(data.length() - 1);
    }
    events.add(new Dispatched(eventType[0].isEmpty() ? "message" : eventType[0], data.toString(),
        lastEventIdString)); // steps 4 and 5
    data.setLength(0); // step 6
    eventType[0] = "";
  }

  @Override
  public void close() throws IOException {
    closed = true;
    reconnects.shutdownNow();
    InputStream b = body;
    if (b != null) {
      b.close();
    }
  }
}
