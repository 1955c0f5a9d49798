package io.livepush.bench.jmh;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.ReplayConfig;
import io.livepush.bench.Payload;
import io.livepush.bench.ValueScanner;
import io.livepush.sse.SseTransport;
import io.livepush.websocket.WebSocketTransport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The replay log through the public API only. {@code append}: {@link LivePushServer#publish} on a started
 * server (SSE + WebSocket) with no subscribers, i.e. validation, one encoding per transport, the log append
 * and eviction of the oldest entry (the log is full at 1,000 events). {@code read1000}: one SSE client
 * connects over loopback with a {@code Last-Event-ID} 1,000 events behind and reads until it has the newest.
 */
public class ReplayLogBench {

  /** A started server with a full replay log. */
  @State(Scope.Benchmark)
  public static class Server {
    LivePushServer server;
    byte[] request;
    long lastSeq;
    Event event;

    @Setup(Level.Trial)
    public void start() {
      server = LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(1)
          .replay(ReplayConfig.builder().maxEventsPerTopic(1000).build())
          .transport(SseTransport.builder().multiTopicPath("/events").build())
          .transport(WebSocketTransport.builder().build())
          .build();
      server.start().join();
      EventId from = server.publish("bench", Event.rawJson(Payload.json(0, 0, 64)));
      for (int i = 1; i <= 999; i++) {
        server.publish("bench", Event.rawJson(Payload.json(i, System.nanoTime(), 64)));
      }
      lastSeq = 999;
      request = ("GET /events?topic=bench HTTP/1.1\r\nHost: 127.0.0.1\r\nLast-Event-ID: " + from + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII);
      event = Event.rawJson(Payload.json(1, 2, 64));
    }

    @TearDown(Level.Trial)
    public void stop() {
      server.close();
    }
  }

  /** A separate server for appends, so {@code read1000} always replays the same 999 events. */
  @State(Scope.Benchmark)
  public static class AppendServer extends Server {}

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public EventId append(AppendServer s) {
    return s.server.publish("bench", s.event);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public long read1000(Server s) throws IOException {
    long[] last = {-1};
    ValueScanner scanner = new ValueScanner();
    ValueScanner.Sink sink = (key, value) -> {
      if (key == 's') {
        last[0] = value;
      }
    };
    try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(s.request);
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[64 * 1024];
      while (last[0] < s.lastSeq) {
        int n = in.read(buf);
        if (n < 0) {
          throw new IOException("stream ended at seq " + last[0]);
        }
        for (int i = 0; i < n; i++) {
          scanner.feed(buf[i], sink);
        }
      }
    }
    return last[0];
  }
}
