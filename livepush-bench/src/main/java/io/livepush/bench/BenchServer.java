package io.livepush.bench;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.HttpReply;
import io.livepush.IoTransport;
import io.livepush.LivePushServer;
import io.livepush.ReplayConfig;
import io.livepush.RequestInfo;
import io.livepush.kafka.KafkaBus;
import io.livepush.longpoll.LongPollTransport;
import io.livepush.redis.RedisBus;
import io.livepush.sse.SseTransport;
import io.livepush.websocket.WebSocketTransport;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The server under test: {@link LivePushServer} with SSE ({@code /events?topic=bench}, over HTTP/1.1 and over
 * HTTP/2: h2c with prior knowledge on the same port), WebSocket ({@code /ws}, livepush.v1) and long-polling
 * ({@code /poll?topic=bench}), on the I/O transport {@code --io} names, plus control endpoints on the same port
 * for the generator (see {@link Control}). The publisher runs in this JVM on an open-loop schedule: event
 * {@code i} carries its intended time {@code start + i * period}, and is published at that time or, if the
 * publisher is late, immediately, so a stall shows up as latency instead of a lower rate.
 */
public final class BenchServer {
  static final String TOPIC = "bench";

  private BenchServer() {}

  /**
   * {@code server [--port 8090] [--io-threads 1] [--io auto|epoll|io_uring|nio] [--heartbeat-s 15]
   * [--replay-events 2000] [--h2-max-streams 100] [--poll-timeout-s 25] [--max-seconds 900]
   * [--redis redis://host:port] [--redis-timeout-s 10] [--kafka host:port --kafka-topic t] [--kafka-timeout-s 30]}
   * ({@code --redis}: a cluster node, a {@link RedisBus} on that Redis; {@code --kafka}: a cluster node, a
   * {@link KafkaBus} on that broker and topic, created with one partition by the first node to start).
   */
  public static void main(Options o) throws Exception {
    Control control = new Control();
    LivePushServer server = start(o, control);
    server.closeOnJvmShutdown();
    Thread sampler = new Thread(control::sample, "heap-sampler");
    sampler.setDaemon(true);
    sampler.start();
    String redis = o.string("redis", "");
    String kafka = o.string("kafka", "");
    System.out.println("bench server on 127.0.0.1:" + server.port() + " pid " + ProcessHandle.current().pid()
        + " (SSE /events?topic=bench over HTTP/1.1 and h2c, WebSocket /ws, long-poll /poll; I/O "
        + server.ioTransportInUse().label() + (redis.isEmpty() ? "" : "; Redis bus " + redis)
        + (kafka.isEmpty() ? "" : "; Kafka bus " + kafka) + ")");
    long max = o.integer("max-seconds", 900);
    Thread.sleep(max * 1000); // bounded lifetime: a forgotten server stops by itself
    server.close();
  }

  /**
   * Builds and starts the server {@link #main} runs, from the same options, with {@code control}'s endpoints
   * (tests start it so, on port 0); the caller closes it. Blocks until the server and its bus started.
   *
   * @throws Exception if the WebTransport certificate cannot be made or the server (or its bus) does not start
   */
  static LivePushServer start(Options o, Control control) throws Exception {
    LivePushServer.Builder b = LivePushServer.builder()
        .host("127.0.0.1")
        .port(o.integer("port", 8090))
        .ioThreads(o.integer("io-threads", 1))
        .ioTransport(IoTransport.fromLabel(o.string("io", "auto")))
        .http2(true) // h2c with prior knowledge (and the Upgrade) on the same port
        .http2MaxConcurrentStreams(o.integer("h2-max-streams", 100))
        .heartbeatInterval(Duration.ofSeconds(o.integer("heartbeat-s", 15)))
        .maxConnections(100_000)
        .replay(ReplayConfig.builder().maxEventsPerTopic(o.integer("replay-events", 2000))
            .maxBytesPerTopic(16L << 20).build())
        .transport(SseTransport.builder().multiTopicPath("/events").build());
    b.transport(WebSocketTransport.builder().build()); // default path /ws, subprotocol livepush.v1
    b.transport(LongPollTransport.builder().path("/poll").maxPolls(100_000)
        .timeout(Duration.ofSeconds(o.integer("poll-timeout-s", 25))).build());
    String redis = o.string("redis", "");
    String kafka = o.string("kafka", "");
    if (!redis.isEmpty() && !kafka.isEmpty()) {
      throw new IllegalArgumentException("--redis and --kafka: one bus per node");
    }
    if (!redis.isEmpty()) {
      // publish then waits for Redis (the publisher is no event loop); six JVMs starting at once on one shared
      // core took Lettuce's connection handshake past the default 2 s timeout
      b.bus(RedisBus.builder().uri(redis).commandTimeout(Duration.ofSeconds(o.integer("redis-timeout-s", 10)))
          .build());
    }
    if (!kafka.isEmpty()) {
      // The same reason as Redis's timeout, and six nodes creating or describing the topic at once: the default
      // 2 s publish / 5 s request timeouts measure the loaded core, not the bus.
      Duration timeout = Duration.ofSeconds(o.integer("kafka-timeout-s", 30));
      b.bus(KafkaBus.builder().bootstrapServers(kafka).topic(o.string("kafka-topic", "livepush-bench"))
          .publishTimeout(timeout).requestTimeout(timeout).build());
    }
    if (o.integer("webtransport", 0) == 1) {
      b.transport(WtBench.transport(o)); // UDP at the same port number, path /wt
    }
    b.httpService(control::handle);
    LivePushServer server = b.build();
    control.server = server;
    server.start().join();
    return server;
  }

  /**
   * Control endpoints (plain HTTP GET, text answers), shared by every server the generator measures:
   * {@code /bench/heap} (heap used after 3 full GCs, and Netty direct memory), {@code /bench/clock} (the
   * publisher's stamp clock, {@code System.nanoTime()}), {@code /bench/io} (the I/O transport in use),
   * {@code /bench/mem} (peak and
   * current heap used, sampled every 50 ms), {@code /bench/conns}, {@code /bench/publish?rate&seconds&size}
   * (starts the open-loop publisher; with {@code start&count&stride&index} it publishes its part of a schedule
   * shared by several nodes: events {@code i = index, index + stride, ...} below {@code count}, due at
   * {@code start + i / rate} ({@code System.nanoTime()} scale), numbered {@code "s": i + 1}) and {@code /bench/burst?n&size} (publishes {@code n} events at once,
   * answering the id before them and the last sequence number). They run on an event loop; the GCs block it
   * for a moment, which is fine between measurements and never happens during one.
   */
  static final class Control {
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final AtomicLong seq = new AtomicLong();
    private volatile long peakHeap;
    volatile LivePushServer server;

    HttpReply handle(RequestInfo request, byte[] body) {
      String path = request.path();
      Map<String, java.util.List<String>> q = request.queryParameters();
      switch (path) {
        case "/bench/heap":
          return HttpReply.text(200, Proc.heapAfterGc());
        case "/bench/mem":
          if (q.containsKey("reset")) {
            peakHeap = 0;
          }
          return HttpReply.text(200, peakHeap + " " + memory.getHeapMemoryUsage().getUsed());
        case "/bench/conns":
          return HttpReply.text(200, Integer.toString(server.connectionCount()));
        case "/bench/clock":
          return HttpReply.text(200, Long.toString(System.nanoTime()));
        case "/bench/io":
          return HttpReply.text(200, server.ioTransportInUse().label());
        case "/bench/publish": {
          double rate = Double.parseDouble(first(q, "rate", "10"));
          double seconds = Double.parseDouble(first(q, "seconds", "10"));
          int size = Integer.parseInt(first(q, "size", "64"));
          Runnable schedule = q.containsKey("start")
              ? () -> publishShare(Long.parseLong(first(q, "start", "0")), (long) (1e9 / rate),
                  Long.parseLong(first(q, "index", "0")), Long.parseLong(first(q, "stride", "1")),
                  Long.parseLong(first(q, "count", "0")), size)
              : () -> publish(rate, seconds, size);
          Thread t = new Thread(schedule, "publisher");
          t.setDaemon(true);
          t.start();
          return HttpReply.text(200, "ok");
        }
        case "/bench/burst": {
          int n = Integer.parseInt(first(q, "n", "1000"));
          int size = Integer.parseInt(first(q, "size", "64"));
          EventId before = server.publish(TOPIC, Event.rawJson(Payload.json(seq.incrementAndGet(), 0, size)));
          long last = 0;
          for (int i = 0; i < n; i++) {
            last = seq.incrementAndGet();
            server.publish(TOPIC, Event.rawJson(Payload.json(last, System.nanoTime(), size)));
          }
          return HttpReply.text(200, before + " " + last);
        }
        default:
          return null;
      }
    }

    private static String first(Map<String, java.util.List<String>> q, String name, String dflt) {
      java.util.List<String> v = q.get(name);
      return v == null || v.isEmpty() ? dflt : v.get(0);
    }

    private void publish(double rate, double seconds, int size) {
      try {
        OpenLoop.run(rate, seconds,
            intended -> server.publish(TOPIC, Event.rawJson(Payload.json(seq.incrementAndGet(), intended, size))));
      } catch (IllegalStateException stopped) {
        // The run ended and run.sh stopped the server before the schedule's last (unmeasured) second.
      }
    }

    private void publishShare(long start, long period, long index, long stride, long count, int size) {
      try {
        OpenLoop.run(start, period, index, stride, count,
            (i, intended) -> server.publish(TOPIC, Event.rawJson(Payload.json(i + 1, intended, size))));
      } catch (RuntimeException stopped) {
        // Stopped by run.sh, or the bus failed: the generators count what never arrived as lost.
        System.err.println("publisher stopped: " + stopped);
      }
    }

    void sample() {
      while (true) {
        long used = memory.getHeapMemoryUsage().getUsed();
        if (used > peakHeap) {
          peakHeap = used;
        }
        LockSupport.parkNanos(50_000_000L);
      }
    }
  }
}
