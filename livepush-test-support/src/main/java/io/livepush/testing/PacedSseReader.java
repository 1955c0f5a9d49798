package io.livepush.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A raw-socket HTTP/1.1 client for one event-stream response, reading the body no faster than a given rate (a
 * token bucket over {@link System#nanoTime()}), with a small receive buffer so the kernel does not read ahead
 * for it: what a slow mobile client or a throttled proxy looks like to the server. Parses events as WHATWG HTML
 * §9.2.6 (fields {@code id}, {@code event}, {@code data}; comments ignored). The reading thread is a daemon; the
 * reader ends at end of stream or {@link #close()}.
 */
public final class PacedSseReader implements AutoCloseable {
  /** A dispatched event: its type ({@code message} when none), data and the last event id after it. */
  public record Received(String type, String data, String lastEventId) {}

  private final Socket socket;
  private final long bytesPerSecond;
  private final List<Received> events = Collections.synchronizedList(new ArrayList<>());
  private final CountDownLatch ended = new CountDownLatch(1);
  /** Opened by {@link #resume()}; {@link #open} opens it at once. */
  private final CountDownLatch reading = new CountDownLatch(1);
  private volatile String head = "";
  private volatile byte[] plainBody = new byte[0];
  private volatile long bodyBytes;

  private PacedSseReader(Socket socket, long bytesPerSecond, boolean paused) {
    this.socket = socket;
    this.bytesPerSecond = bytesPerSecond;
    if (!paused) {
      reading.countDown();
    }
  }

  /**
   * Sends {@code method path} with {@code headers} (each {@code "Name: value"}) and {@code body}, then reads the
   * response at {@code bytesPerSecond} ({@code Long.MAX_VALUE} for unthrottled, {@code 0} to never read the
   * body) on a daemon thread.
   */
  public static PacedSseReader open(int port, String method, String path, byte[] body, long bytesPerSecond,
      String... headers) throws IOException {
    return open(port, method, path, body, bytesPerSecond, false, headers);
  }

  private static PacedSseReader open(int port, String method, String path, byte[] body, long bytesPerSecond,
      boolean paused, String... headers) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(4096);
    s.connect(new InetSocketAddress("127.0.0.1", port));
    StringBuilder req = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
        .append("Host: 127.0.0.1\r\nAccept: text/event-stream\r\n");
    for (String h : headers) {
      req.append(h).append("\r\n");
    }
    if (body.length > 0 || !method.equals("GET")) {
      req.append("Content-Length: ").append(body.length).append("\r\n");
    }
    req.append("\r\n");
    OutputStream out = s.getOutputStream();
    out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
    PacedSseReader r = new PacedSseReader(s, bytesPerSecond, paused);
    if (bytesPerSecond > 0) {
      Thread t = new Thread(r::read, "paced-sse-reader");
      t.setDaemon(true);
      t.start();
    }
    return r;
  }

  /**
   * Like {@link #open}, but reads nothing, not even the response head, until {@link #resume()}: a client that
   * stalls first (the server's budget fills) and then reads at {@code bytesPerSecond}.
   */
  public static PacedSseReader openPaused(int port, String method, String path, byte[] body, long bytesPerSecond,
      String... headers) throws IOException {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("a paused reader must read once resumed: " + bytesPerSecond);
    }
    return open(port, method, path, body, bytesPerSecond, true, headers);
  }

  /** Lets a reader from {@link #openPaused} start reading; no effect on one from {@link #open}. */
  public void resume() {
    reading.countDown();
  }

  private void read() {
    try {
      reading.await();
      InputStream in = socket.getInputStream();
      head = HttpHead.read(in);
      boolean stream = head.toLowerCase(java.util.Locale.ROOT).contains("content-type: text/event-stream");
      ByteArrayOutputStream plain = new ByteArrayOutputStream();
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      SseLines parser = new SseLines("", (type, data, lastId) -> {
        if (data != null) {
          synchronized (events) {
            events.add(new Received(type, data, lastId));
            events.notifyAll();
          }
        }
      });
      byte[] buf = new byte[1024];
      long start = System.nanoTime();
      long total = 0;
      for (;;) {
        if (bytesPerSecond != Long.MAX_VALUE) {
          // Token bucket: never ahead of the rate since the start (at most one buffer of burst).
          long allowedAt = start + total * 1_000_000_000L / bytesPerSecond;
          long wait = allowedAt - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
        }
        int n = in.read(buf, 0, (int) Math.min(buf.length, Math.max(1, bytesPerSecond)));
        if (n < 0) {
          break;
        }
        total += n;
        bodyBytes = total;
        if (!stream) {
          plain.write(buf, 0, n);
          plainBody = plain.toByteArray();
          continue;
        }
        for (int i = 0; i < n; i++) {
          byte b = buf[i];
          if (b != '\n') {
            if (b != '\r') {
              line.write(b);
            }
            continue;
          }
          String l = line.toString(StandardCharsets.UTF_8);
          line.reset();
          parser.line(l);
        }
      }
    } catch (IOException e) {
      // closed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      ended.countDown();
      synchronized (events) {
        events.notifyAll();
      }
    }
  }

  /** Waits for the end of the stream; returns whether it ended within {@code seconds}. */
  public boolean awaitEnd(long seconds) throws InterruptedException {
    return ended.await(seconds, TimeUnit.SECONDS);
  }

  /**
   * Waits until the events dispatched so far satisfy {@code until}, the stream ends, or {@code seconds} pass;
   * woken by each event, so it neither sleeps nor polls.
   *
   * @param until the condition on the events so far (called with a copy, under no lock the reader needs)
   * @param seconds how long to wait at most
   * @return the events at that point, in order (a copy): the caller asserts on them
   */
  public List<Received> awaitEvents(Predicate<List<Received>> until, long seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    for (;;) {
      List<Received> now = events();
      long left = deadline - System.nanoTime();
      if (until.test(now) || ended.getCount() == 0 || left <= 0) {
        return now;
      }
      synchronized (events) {
        if (events.size() == now.size() && ended.getCount() > 0) {
          TimeUnit.NANOSECONDS.timedWait(events, left);
        }
      }
    }
  }

  /** The response's status line and headers (empty until read). */
  public String head() {
    return head;
  }

  /** The body of a response that is not an event stream. */
  public String plainBody() {
    return new String(plainBody, StandardCharsets.UTF_8);
  }

  /** Body bytes read so far. */
  public long bodyBytes() {
    return bodyBytes;
  }

  /** The events dispatched so far, in order (a copy). */
  public List<Received> events() {
    synchronized (events) {
      return new ArrayList<>(events);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
    reading.countDown(); // a paused reader's thread ends on the closed socket
  }
}
