package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.CloseReason;
import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.SlowConsumerPolicy;
import io.livepush.fixtures.Budget;
import io.livepush.fixtures.LiveServer;
import io.netty.channel.Channel;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A raw TCP client with a tiny receive buffer that stops reading: the server's pending outbound bytes stay
 * bounded and the slow-consumer policy fires (asserted through stats counters, not timing).
 */
class SlowConsumerTest {
  private static final int BUDGET = 32 * 1024;
  private static final int EVENT_BYTES = 1024;
  private static final int MAX_EVENTS = 50_000;

  @RegisterExtension final LiveServer fixture = new LiveServer();
  private LivePushServer server;

  private void start(SlowConsumerPolicy policy) {
    server = fixture.start(LivePushServer.builder().ioThreads(1)
        .maxPendingOutboundBytes(BUDGET)
        .slowConsumerPolicy(topic -> topic.startsWith("score:") ? policy : SlowConsumerPolicy.DISCONNECT)
        .transport(SseTransport.builder().route("/t/{id}", "{id}").build()));
  }

  /** Connects, sends the request and reads nothing at all. */
  private Socket stalledClient(String path) throws Exception {
    Socket s = new Socket();
    s.setReceiveBufferSize(1024); // before connect, so the advertised window stays small
    s.connect(new InetSocketAddress("127.0.0.1", server.port()));
    OutputStream out = s.getOutputStream();
    out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return s;
  }

  private static String payload(int i) {
    String head = "{\"n\":" + i + ",\"pad\":\"";
    return head + "x".repeat(EVENT_BYTES - head.length() - 2) + "\"}";
  }

  /**
   * Publishes to {@code topic} in batches until {@code fired} says the policy acted; returns the largest
   * pending byte count seen. Each measurement runs after the batch's deliveries on the channel's loop.
   */
  private long publishUntil(Channel ch, String topic, java.util.function.BooleanSupplier fired) throws Exception {
    long maxPending = 0;
    for (int i = 0; i < MAX_EVENTS && !fired.getAsBoolean(); i += 50) {
      for (int j = 0; j < 50; j++) {
        server.publish(topic, Event.rawJson(payload(i + j)));
      }
      maxPending = Math.max(maxPending, Budget.pendingOnLoop(ch));
    }
    assertThat(fired.getAsBoolean()).as("policy fired within %s events", MAX_EVENTS).isTrue();
    System.out.println("slow consumer on " + topic + ": policy fired after " + server.stats().published()
        + " events; max server-side pending " + maxPending + " bytes (budget " + BUDGET + ")");
    for (int j = 0; j < 200; j++) { // keep pushing after it fired: memory must stay flat
      server.publish(topic, Event.rawJson(payload(MAX_EVENTS + j)));
    }
    return Math.max(maxPending, Budget.pendingOnLoop(ch));
  }

  @Test
  void disconnectPolicyClosesTheStalledConnection() throws Exception {
    start(SlowConsumerPolicy.DISCONNECT);
    try (Socket s = stalledClient("/t/feed:1")) {
      Channel ch = fixture.nextSession().channel();
      long max = publishUntil(ch, "feed:1", () -> server.stats().slowConsumerDisconnects() > 0);
      assertThat(max).isLessThanOrEqualTo(BUDGET + 2L * EVENT_BYTES + 512);
      assertThat(fixture.nextClose()).isEqualTo(CloseReason.SLOW_CONSUMER);
      assertThat(server.stats().slowConsumerActions(SlowConsumerPolicy.DISCONNECT)).isEqualTo(1);
    }
  }

  @Test
  void dropWithResetStaysBoundedAndResetsWhenTheClientReadsAgain() throws Exception {
    start(SlowConsumerPolicy.DROP_WITH_RESET);
    try (Socket s = stalledClient("/t/score:1")) {
      Channel ch = fixture.nextSession().channel();
      long max = publishUntil(ch, "score:1", () -> server.stats().dropped() > 0);
      assertThat(max).isLessThanOrEqualTo(BUDGET + 2L * EVENT_BYTES + 512);
      assertThat(ch.isActive()).isTrue();
      assertThat(server.stats().slowConsumerActions(SlowConsumerPolicy.DROP_WITH_RESET)).isEqualTo(1);
      long droppedBefore = server.stats().dropped();
      assertThat(droppedBefore).isGreaterThanOrEqualTo(200);

      // The client wakes up: it drains the backlog, then gets the reset, then live events again.
      s.setSoTimeout(10_000);
      InputStream in = s.getInputStream();
      readUntil(in, "\"reason\":\"slow-consumer\"");
      server.publish("score:1", Event.rawJson("{\"live\":\"again\"}"));
      readUntil(in, "{\"live\":\"again\"}");
      assertThat(server.stats().resets(io.livepush.ResetReason.SLOW_CONSUMER)).isEqualTo(1);
      assertThat(fixture.closes()).isEmpty();
    }
  }

  @Test
  void keepLatestConflatesAndFlushesTheNewestWhenWritable() throws Exception {
    start(SlowConsumerPolicy.KEEP_LATEST);
    try (Socket s = stalledClient("/t/score:2")) {
      Channel ch = fixture.nextSession().channel();
      long max = publishUntil(ch, "score:2", () -> server.stats().conflated() > 0);
      assertThat(max).isLessThanOrEqualTo(BUDGET + 2L * EVENT_BYTES + 512);
      server.publish("score:2", Event.rawJson("{\"final\":\"score\"}"));
      assertThat(Budget.pendingOnLoop(ch)).isLessThanOrEqualTo(BUDGET + 2L * EVENT_BYTES + 512);
      assertThat(server.stats().conflated()).isGreaterThanOrEqualTo(200);
      assertThat(server.stats().slowConsumerActions(SlowConsumerPolicy.KEEP_LATEST)).isEqualTo(1);

      s.setSoTimeout(10_000);
      String seen = readUntil(s.getInputStream(), "{\"final\":\"score\"}");
      // Conflated events never reach the wire: the last padded one before "final" was replaced.
      assertThat(seen).doesNotContain("\"n\":" + (MAX_EVENTS + 199) + ",");
      assertThat(fixture.closes()).isEmpty();
    }
  }

  private static String readUntil(InputStream in, String marker) throws Exception {
    StringBuilder sb = new StringBuilder();
    byte[] buf = new byte[8192];
    while (sb.indexOf(marker) < 0) {
      int n = in.read(buf);
      if (n < 0) {
        throw new AssertionError("stream ended before " + marker);
      }
      sb.append(new String(buf, 0, n, StandardCharsets.UTF_8));
      if (sb.length() > 64 << 20) {
        throw new AssertionError("no " + marker + " in 64 MiB");
      }
    }
    return sb.toString();
  }
}
