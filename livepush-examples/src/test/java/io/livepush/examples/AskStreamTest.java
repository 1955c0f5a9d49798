package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepush.ConnectionInfo;
import io.livepush.ConnectionListener;
import io.livepush.LivePushConfig;
import io.livepush.LivePushServer;
import io.livepush.spi.Session;
import io.livepush.testing.PacedSseReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scoreboard's streamed answer ({@code POST /api/ask}) on real sockets: a reader throttled to 20 KiB/s gets
 * every one of 20,000 zero-delay tokens, in order, then {@code done}, while the server's pending bytes for the
 * stream stay within the outbound budget; bad bodies get 400 before any stream.
 *
 * <p>Token events are about 36 bytes ({@code id: <index>}, {@code event: token}, {@code data: <word>}), so the
 * throttled answer is about 720 KB and takes about 35 s to read at 20 KiB/s.
 */
class AskStreamTest {
  private ScheduledExecutorService scheduler;
  private LivePushServer server;
  private final BlockingQueue<Session> sessions = new LinkedBlockingQueue<>();

  @BeforeEach
  void start() {
    scheduler = Executors.newSingleThreadScheduledExecutor();
    server = ScoreboardApp.server(0, new AskHandler(scheduler, Duration.ofMillis(60))).host("127.0.0.1")
        .shutdownDrain(Duration.ZERO)
        .connectionListener(new ConnectionListener() {
          @Override
          public void onOpen(ConnectionInfo c) {
            sessions.add((Session) c);
          }
        })
        .build();
    server.start().join();
  }

  @AfterEach
  void stop() {
    server.close();
    scheduler.shutdownNow();
  }

  private PacedSseReader ask(String body, long bytesPerSecond) throws Exception {
    return PacedSseReader.open(server.port(), "POST", "/api/ask", body.getBytes(StandardCharsets.UTF_8),
        bytesPerSecond, "Content-Type: application/json");
  }

  @Test
  void aThrottledReaderGetsEveryTokenInOrderWithinTheBudget() throws Exception {
    try (PacedSseReader reader = ask("{\"question\":\"flow control?\",\"words\":20000,\"delayMs\":0}", 20 * 1024)) {
      Session stream = sessions.poll(10, TimeUnit.SECONDS);
      assertThat(reader.awaitEnd(120)).as("the answer ends").isTrue();
      List<PacedSseReader.Received> events = reader.events();
      assertThat(events).hasSize(20_001);
      for (int i = 0; i < 20_000; i++) {
        PacedSseReader.Received e = events.get(i);
        assertThat(e.type()).isEqualTo("token");
        assertThat(e.lastEventId()).isEqualTo(Integer.toString(i));
      }
      assertThat(events.get(20_000).type()).isEqualTo("done");
      assertThat(events.get(20_000).data()).isEqualTo("20000");
      long peak = stream.peakPendingOutboundBytes();
      System.out.printf("ask: %d body bytes, peak pending %d (budget %d)%n", reader.bodyBytes(), peak,
          LivePushConfig.DEFAULT_MAX_PENDING_OUTBOUND_BYTES);
      assertThat(peak).isLessThanOrEqualTo(LivePushConfig.DEFAULT_MAX_PENDING_OUTBOUND_BYTES + 1024);
    }
  }

  @Test
  void badBodiesGet400BeforeAnyStream() throws Exception {
    for (String body : List.of("", "not json", "[1]", "{\"words\":0}", "{\"words\":100001}",
        "{\"delayMs\":-1}", "{\"words\":\"ten\"}", "{\"question\":3}")) {
      try (PacedSseReader r = ask(body, Long.MAX_VALUE)) {
        assertThat(r.awaitEnd(20)).isTrue();
        assertThat(r.head()).as(body).startsWith("HTTP/1.1 400").contains("application/json")
            .doesNotContain("text/event-stream");
        assertThat(r.plainBody()).as(body).startsWith("{\"error\":");
      }
    }
    assertThat(sessions).as("no stream was opened").isEmpty();
  }

  @Test
  void requestValuesAreChecked() {
    assertThat(AskHandler.parse("{}".getBytes(StandardCharsets.UTF_8), 7)).isEqualTo(new AskHandler.Ask("", 0, 7));
    assertThat(AskHandler.parse("{\"words\":100000,\"delayMs\":0}".getBytes(StandardCharsets.UTF_8), 7))
        .isEqualTo(new AskHandler.Ask("", 100_000, 0));
    assertThatThrownBy(() -> AskHandler.parse("{\"delayMs\":10001}".getBytes(StandardCharsets.UTF_8), 7))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delayMs");
  }
}
