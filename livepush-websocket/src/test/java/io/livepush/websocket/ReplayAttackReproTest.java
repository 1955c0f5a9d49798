package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.CloseReason;
import io.livepush.ConnectionInfo;
import io.livepush.ConnectionListener;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushConfig;
import io.livepush.LivePushServer;
import io.livepush.spi.Session;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The attack of issue 10.1, measured: a WebSocket client that never reads sends ten {@code subscribe} (64 retained
 * topics from the start of the log) / {@code unsubscribe} pairs, with the default outbound budget. Prints the
 * server's largest pending byte count for that connection (sampled on its event loop, so it works on any
 * version), the allocator direct memory in use and the heap after GC at that point, and how the connection ended.
 * Run: {@code ./mvnw -q -o -pl livepush-websocket -am verify -Dtest=ReplayAttackReproTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dautobahn.skip=true}; figures in the test's output file.
 */
class ReplayAttackReproTest {
  /** Self-contained (no other test class), so the same file measures older versions too. */
  private static long heapAfterGc() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Direct memory held by the default allocator (Netty 4.2's adaptive one, or the pooled one). */
  private static long directMemory() {
    return ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p ? p.metric().usedDirectMemory() : -1;
  }

  @Test
  void tenReplayLoopsFromANeverReadingClient() throws Exception {
    BlockingQueue<Channel> channels = new LinkedBlockingQueue<>();
    CompletableFuture<CloseReason> closed = new CompletableFuture<>();
    LivePushServer server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        // The stall bound is heartbeat interval + timeout: 4 s (was 10 s, waited out on every run) still leaves
        // the replay ample time to fill the budget before the client, silent after its 20 frames, could be timed out.
        .heartbeatInterval(Duration.ofSeconds(2)).heartbeatTimeout(Duration.ofSeconds(2))
        .connectionListener(new ConnectionListener() {
          @Override
          public void onOpen(ConnectionInfo c) {
            channels.add(((Session) c).channel());
          }

          @Override
          public void onClose(ConnectionInfo c, CloseReason reason) {
            closed.complete(reason);
          }
        })
        .transport(WebSocketTransport.builder().build())
        .build();
    server.start().join();
    try (Socket s = new Socket()) {
      String payload = "x".repeat(1000);
      for (int i = 0; i < 100; i++) {
        for (int t = 0; t < 64; t++) {
          server.publish("t" + t, Event.text(payload)); // 64 topics x 100 KB retained
        }
      }
      long heapBefore = heapAfterGc();
      long directBefore = directMemory();
      s.setReceiveBufferSize(4096);
      s.connect(new InetSocketAddress("127.0.0.1", server.port()));
      RawWs ws = new RawWs(s);
      ws.handshake("/ws");
      Channel ch = channels.poll(10, TimeUnit.SECONDS);
      StringBuilder topics = new StringBuilder("[");
      for (int t = 0; t < 64; t++) {
        topics.append(t == 0 ? "" : ",").append("\"t").append(t).append('"');
      }
      topics.append(']');
      String from = EventId.of(server.epoch(), 0).toString();
      Thread writer = new Thread(() -> {
        try {
          for (int i = 0; i < 10; i++) {
            ws.frame(true, 1, ("{\"type\":\"subscribe\",\"topics\":" + topics + ",\"from\":\"" + from + "\"}")
                .getBytes(StandardCharsets.UTF_8), true);
            ws.frame(true, 1, ("{\"type\":\"unsubscribe\",\"topics\":" + topics + "}")
                .getBytes(StandardCharsets.UTF_8), true);
          }
        } catch (IOException e) {
          // closed by the server
        }
      });
      writer.setDaemon(true);
      writer.start();
      long peak = 0;
      long peakDirect = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
      while (!closed.isDone() && System.nanoTime() < deadline) {
        long pending = ch.eventLoop().submit(() -> {
          ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
          return out == null ? 0L : out.totalPendingWriteBytes();
        }).get(5, TimeUnit.SECONDS);
        peak = Math.max(peak, pending);
        peakDirect = Math.max(peakDirect, directMemory());
        TimeUnit.MILLISECONDS.sleep(5); // sampling period
      }
      long heapGrowth = heapAfterGc() - heapBefore;
      System.out.printf("replay attack: budget %d B, peak pending %d B (%.1f MiB), allocator direct memory +%.1f MiB,"
          + " heap after GC +%.1f MiB, connection %s%n", LivePushConfig.DEFAULT_MAX_PENDING_OUTBOUND_BYTES, peak,
          peak / 1048576.0, (peakDirect - directBefore) / 1048576.0, heapGrowth / 1048576.0,
          closed.isDone() ? "closed: " + closed.get() : "still open after 40 s");
      assertThat(peak).isLessThanOrEqualTo(LivePushConfig.DEFAULT_MAX_PENDING_OUTBOUND_BYTES + 4096);
      assertThat(closed.get(30, TimeUnit.SECONDS)).isEqualTo(CloseReason.SLOW_CONSUMER);
    } finally {
      server.close();
    }
  }
}
