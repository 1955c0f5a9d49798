package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import com.launchdarkly.eventsource.EventSource;
import com.launchdarkly.eventsource.MessageEvent;
import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.fixtures.LiveServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An SSE client someone else wrote (LaunchDarkly's okhttp-eventsource) against a real server. */
class OkHttpEventSourceTest {
  @RegisterExtension final LiveServer fixture = new LiveServer();
  private LivePushServer server;

  private void start() {
    server = fixture.start(LivePushServer.builder().retry(Duration.ofMillis(20))
        .transport(SseTransport.builder().route("/api/match/{id}/live", "match:{id}").build()));
  }

  @Test
  void receivesLiveEventsAndResumesAfterADropWithoutLossOrRepeat() throws Exception {
    start();
    URI uri = URI.create("http://127.0.0.1:" + server.port() + "/api/match/5/live");
    try (EventSource es = new EventSource.Builder(uri).retryDelay(20, TimeUnit.MILLISECONDS).build()) {
      es.start();
      // The stream is live once the core registered it; publish after the connection counts.
      awaitConnections(1);
      server.publish("match:5", Event.rawJson("{\"seq\":1}").withType("score-update"));
      server.publish("match:5", Event.rawJson("{\"seq\":2}").withType("score-update"));
      List<String> got = new ArrayList<>();
      got.add(read(es));
      got.add(read(es));
      es.interrupt(); // drop the connection; the next read reconnects with Last-Event-ID
      awaitConnections(0);
      for (int i = 3; i <= 5; i++) {
        server.publish("match:5", Event.rawJson("{\"seq\":" + i + "}").withType("score-update"));
      }
      for (int i = 0; i < 3; i++) {
        got.add(read(es));
      }
      server.publish("match:5", Event.rawJson("{\"seq\":6}").withType("score-update"));
      got.add(read(es));
      assertThat(got).containsExactly("{\"seq\":1}", "{\"seq\":2}", "{\"seq\":3}", "{\"seq\":4}", "{\"seq\":5}",
          "{\"seq\":6}");
    }
  }

  @Test
  void resumesAStreamCutBeforeItsFirstEvent() throws Exception {
    start();
    server.publish("match:6", Event.rawJson("{\"seq\":0}")); // before the stream: not for it
    URI uri = URI.create("http://127.0.0.1:" + server.port() + "/api/match/6/live");
    try (EventSource es = new EventSource.Builder(uri).retryDelay(20, TimeUnit.MILLISECONDS).build()) {
      es.start();
      // A quiet topic: the only thing the stream says is its position, which the client records.
      MessageEvent position = es.readMessage();
      assertThat(position.getEventName()).isEqualTo(Event.POSITION_TYPE);
      assertThat(position.getLastEventId()).isNotEmpty();
      assertThat(position.getData()).isEqualTo("{\"id\":\"" + position.getLastEventId() + "\"}");
      es.interrupt();
      awaitConnections(0);
      server.publish("match:6", Event.rawJson("{\"seq\":1}").withType("score-update"));
      // The reconnect carries Last-Event-ID: the event published while cut is replayed, without a reset.
      MessageEvent m = es.readMessage();
      assertThat(m.getEventName()).isEqualTo("score-update");
      assertThat(m.getData()).isEqualTo("{\"seq\":1}");
      assertThat(server.stats().resets(io.livepush.ResetReason.EPOCH_CHANGED)
          + server.stats().resets(io.livepush.ResetReason.TOO_OLD)
          + server.stats().resets(io.livepush.ResetReason.UNKNOWN_POSITION)).isZero();
    }
  }

  /** The next application event; livepush's position blocks only move the client's last event id. */
  private static String read(EventSource es) throws Exception {
    MessageEvent m = es.readMessage();
    while (Event.POSITION_TYPE.equals(m.getEventName())) {
      m = es.readMessage();
    }
    assertThat(m.getEventName()).isEqualTo("score-update");
    return m.getData();
  }

  private void awaitConnections(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (server.connectionCount() != n) {
      assertThat(System.nanoTime()).as("connections never became %d", n).isLessThan(deadline);
      Thread.onSpinWait();
    }
  }
}
