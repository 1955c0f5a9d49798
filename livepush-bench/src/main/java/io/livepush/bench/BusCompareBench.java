package io.livepush.bench;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.kafka.KafkaBus;
import io.livepush.redis.RedisBus;
import io.livepush.spi.EventBus;
import io.livepush.sse.SseTransport;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Redis against Kafka in one run, one livepush node per bus: (1) publishes/s — {@code rounds} × {@code count}
 * pipelined {@code publishAsync} calls, waiting for every acknowledgement; (2) publish-to-delivery latency —
 * {@code rate} publishes/s for {@code seconds} s, each carrying its {@code System.nanoTime()}, received by an SSE
 * client of the same node over loopback (publish → bus → the node's reader → SSE), p50/p99/max.
 * Usage: {@code BusCompareBench <redis port> <kafka bootstrap> <count> <rounds> <rate> <seconds>}.
 */
public final class BusCompareBench {
  private BusCompareBench() {}

  public static void main(String[] args) throws Exception {
    int redisPort = Integer.parseInt(args[0]);
    String kafka = args[1];
    int count = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    int rate = Integer.parseInt(args[4]);
    int seconds = Integer.parseInt(args[5]);
    run("redis", RedisBus.builder().uri("redis://127.0.0.1:" + redisPort).build(), count, rounds, rate, seconds);
    // A 5,000-publish burst (and topic creation) on a busy machine can outlast the default timeouts: measure
    // throughput, not the timeouts.
    run("kafka", KafkaBus.builder().bootstrapServers(kafka).topic("bench-" + System.nanoTime())
        .publishTimeout(java.time.Duration.ofSeconds(30)).requestTimeout(java.time.Duration.ofSeconds(30)).build(),
        count, rounds, rate, seconds);
  }

  private static void run(String name, EventBus bus, int count, int rounds, int rate, int seconds)
      throws Exception {
    try (LivePushServer server = LivePushServer.builder().host("127.0.0.1").port(0).bus(bus)
        .transport(SseTransport.builder().multiTopicPath("/events").build())
        .build()) {
      server.start().join();
      long best = 0;
      for (int round = 1; round <= rounds; round++) {
        long t0 = System.nanoTime();
        List<CompletableFuture<EventId>> acks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          acks.add(server.publishAsync("tp", Event.text("x/" + i)));
        }
        CompletableFuture.allOf(acks.toArray(new CompletableFuture[0])).get();
        long ms = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
        best = Math.max(best, count * 1000L / ms);
        System.out.printf("%s round %d: %d publishes acknowledged in %d ms = %,d publishes/s%n", name, round, count,
            ms, count * 1000L / ms);
      }
      Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
      int total = rate * seconds;
      CountDownLatch received = new CountDownLatch(total);
      CountDownLatch open = new CountDownLatch(1);
      Thread reader = subscriber(server.port(), latency, received, open);
      if (!open.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("subscriber did not connect");
      }
      long period = TimeUnit.SECONDS.toNanos(1) / rate;
      long start = System.nanoTime();
      for (int i = 0; i < total; i++) {
        long due = start + i * period; // open loop: the schedule does not wait for deliveries
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        server.publishAsync("lat", Event.text(Long.toString(System.nanoTime())));
      }
      if (!received.await(60, TimeUnit.SECONDS)) {
        System.out.printf("%s: only %d of %d deliveries arrived%n", name, total - received.getCount(), total);
      }
      reader.interrupt();
      System.out.printf("%s: best %,d publishes/s; publish-to-delivery at %d/s over %d s: p50 %.2f ms, "
          + "p99 %.2f ms, max %.2f ms (%d samples)%n", name, best, rate, seconds,
          latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
          latency.getMaxValue() / 1e6, latency.getTotalCount());
    }
  }

  /** An SSE client on its own thread: each {@code data:} line is a publish time; records now − that. */
  private static Thread subscriber(int port, Histogram latency, CountDownLatch received, CountDownLatch open) {
    Thread t = new Thread(() -> {
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/events?topic=lat"))
          .header("Accept", "text/event-stream").build();
      try {
        HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        open.countDown();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = in.readLine()) != null && !Thread.currentThread().isInterrupted()) {
            // Publish times only: the stream's position block (event livepush.position) carries JSON.
            if (line.startsWith("data: ") && line.length() > 6 && Character.isDigit(line.charAt(6))) {
              latency.recordValue(Math.max(0, System.nanoTime() - Long.parseLong(line.substring(6))));
              received.countDown();
            }
          }
        }
      } catch (Exception e) {
        if (!Thread.currentThread().isInterrupted()) {
          System.err.println("subscriber: " + e);
        }
      }
    }, "bench-subscriber");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
