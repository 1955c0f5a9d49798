package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepush.LivePushConfig;
import io.livepush.LivePushServer;
import io.livepush.fixtures.LiveServer;
import io.livepush.spi.Session;
import io.livepush.testing.ClusterClients;
import io.livepush.testing.PacedSseReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The scoreboard's streamed answer ({@code POST /api/ask}) on real sockets: 20,000 zero-delay tokens (about
 * 720 KB: {@code id: <index>}, {@code event: token}, {@code data: <word>}) to a client that first reads nothing,
 * so the server holds the stream at its outbound budget (awaited), then reads at 128 KiB/s: it gets every token,
 * in order, then {@code done}, and the server's pending bytes never pass the budget; bad bodies get 400 before
 * any stream.
 */
class AskStreamTest {
  static final int BUDGET = LivePushConfig.DEFAULT_MAX_PENDING_OUTBOUND_BYTES;

  @RegisterExtension final LiveServer fixture = new LiveServer();
  private ScheduledExecutorService scheduler;
  private LivePushServer server;

  @BeforeEach
  void start() {
    scheduler = Executors.newSingleThreadScheduledExecutor();
    server = fixture.start(ScoreboardApp.server(0, new AskHandler(scheduler, Duration.ofMillis(60))));
  }

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private PacedSseReader ask(String body, long bytesPerSecond) throws Exception {
    return PacedSseReader.open(server.port(), "POST", "/api/ask", body.getBytes(StandardCharsets.UTF_8),
        bytesPerSecond, "Content-Type: application/json");
  }

  @Test
  void aThrottledReaderGetsEveryTokenInOrderWithinTheBudget() throws Exception {
    try (PacedSseReader reader = PacedSseReader.openPaused(server.port(), "POST", "/api/ask",
        "{\"question\":\"flow control?\",\"words\":20000,\"delayMs\":0}".getBytes(StandardCharsets.UTF_8),
        128 * 1024, "Content-Type: application/json")) {
      Session stream = fixture.nextSession();
      // A condition, not a duration: the answer is produced at once and the client reads nothing yet.
      ClusterClients.await("the stream's pending bytes to fill the budget",
          () -> stream.peakPendingOutboundBytes() > BUDGET / 2);
      reader.resume();
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
      System.out.printf("ask: %d body bytes, peak pending %d (budget %d)%n", reader.bodyBytes(), peak, BUDGET);
      assertThat(peak).isLessThanOrEqualTo(BUDGET + 1024);
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
    assertThat(fixture.sessions()).as("no stream was opened").isEmpty();
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
