package io.livepush.bench;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.redis.RedisBus;
import io.livepush.sse.SseTransport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Cluster publish throughput: one node with a {@link RedisBus} pipelines {@code count} {@code publishAsync}
 * calls and waits for every acknowledgement, {@code rounds} times (the first rounds warm the JIT up).
 * Usage: {@code RedisPublishBench <redis port> <count> <rounds>}; run with Netty leak detection disabled, as
 * paranoid tracking (the test default) costs Lettuce's buffers an order of magnitude.
 */
public final class RedisPublishBench {
  private RedisPublishBench() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int count = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    try (LivePushServer server = LivePushServer.builder().host("127.0.0.1").port(0)
        .bus(RedisBus.builder().uri("redis://127.0.0.1:" + port).build())
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build())
        .build()) {
      server.start().join();
      for (int round = 1; round <= rounds; round++) {
        long t0 = System.nanoTime();
        List<CompletableFuture<EventId>> acks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          acks.add(server.publishAsync("bench", Event.text("x/" + i)));
        }
        CompletableFuture.allOf(acks.toArray(new CompletableFuture[0])).get();
        long ms = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
        System.out.printf("round %d: %d publishes acknowledged in %d ms = %,d publishes/s%n", round, count, ms,
            count * 1000L / ms);
      }
    }
  }
}
