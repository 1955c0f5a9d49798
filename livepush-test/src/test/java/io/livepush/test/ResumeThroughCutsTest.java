package io.livepush.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.client.ClientState;
import io.livepush.client.ClientTransport;
import io.livepush.client.PushEvent;
import io.livepush.client.Reset;
import io.livepush.testing.CuttableProxy;
import io.livepush.testing.DeliveryChecker;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Clients on both transports behind a proxy that cuts every connection at random moments while two topics are
 * published: nothing lost, nothing repeated, order kept ({@link DeliveryChecker}). Also: a switch of transport
 * mid-stream keeps the position.
 */
@LivePushTest(replayEventsPerTopic = 10_000) // holds a whole run: no reset however long a client is away
class ResumeThroughCutsTest {

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void randomCutsLoseAndRepeatNothing(TestLivePush livepush) throws Exception {
    DeliveryChecker checker = new DeliveryChecker();
    List<RecordingClient> clients = new ArrayList<>();
    try (CuttableProxy proxy = new CuttableProxy(livepush.port())) {
      URI sse = URI.create("http://127.0.0.1:" + proxy.port() + "/live");
      URI ws = URI.create("ws://127.0.0.1:" + proxy.port() + "/ws");
      for (ClientTransport t : List.of(ClientTransport.SSE, ClientTransport.SSE, ClientTransport.WEBSOCKET,
          ClientTransport.WEBSOCKET)) {
        RecordingClient c = livepush.client(t, b -> b.sse(sse).webSocket(ws).minDelay(Duration.ofMillis(20))
            // The watchdog is part of the guarantee: a connection cut mid-handshake can stay open but silent.
            .maxDelay(Duration.ofMillis(200)).heartbeatTimeout(Duration.ofSeconds(2)), "a", "b");
        clients.add(c);
        checker.follow(name(clients, c), "a", 0);
        checker.follow(name(clients, c), "b", 0);
      }
      Random random = new Random(42);
      int perTopic = 1500;
      int cuts = 0;
      for (int i = 1; i <= perTopic; i++) {
        for (String topic : List.of("a", "b")) {
          livepush.publish(topic, Event.json(Map.of("topic", topic, "seq", i)));
          checker.published(topic, i);
        }
        if (random.nextInt(100) == 0) {
          // Cut only once every client is connected again: on a fast machine the whole run can otherwise pass
          // between two reconnects, and a cut that finds nothing open tests nothing.
          clients.get(0).await("every client reconnected", () -> proxy.open() >= clients.size());
          cuts += proxy.cutAll();
        }
      }
      for (RecordingClient c : clients) {
        c.await("every event", () -> c.events().size() >= 2 * perTopic || !c.resets().isEmpty());
      }
      for (RecordingClient c : clients) {
        for (var item : c.items()) {
          if (item instanceof PushEvent e) {
            Seq s = e.as(Seq.class);
            checker.received(name(clients, c), s.topic(), s.seq());
          } else {
            checker.reset(name(clients, c), ((Reset) item).topic());
          }
        }
      }
      DeliveryChecker.Report report = checker.check();
      assertThat(report.clean()).as(report.toString()).isTrue();
      assertThat(report.resets).isZero();
      assertThat(report.received).isEqualTo(4L * 2 * perTopic);
      assertThat(cuts).as("connections cut").isGreaterThan(10);
      for (RecordingClient c : clients) {
        assertThat(c.client().connectionsOpened()).isGreaterThan(1);
        c.assertInOrderWithoutGaps();
      }
    }
  }

  @Test
  void switchingTransportKeepsThePosition(TestLivePush livepush) {
    RecordingClient c = livepush.sseClient("a");
    livepush.publish("a", Map.of("n", 1));
    c.awaitEvents(1);
    c.client().switchTransport(ClientTransport.WEBSOCKET).join();
    livepush.publish("a", Map.of("n", 2));
    c.await("2 events on WebSocket", () -> c.events().size() >= 2 && c.client().state() == ClientState.OPEN);
    livepush.publish("a", Map.of("n", 3));
    c.client().switchTransport(ClientTransport.SSE).join();
    livepush.publish("a", Map.of("n", 4));
    c.assertInOrderWithoutGaps();
    assertThat(c.client().transport()).isEqualTo(ClientTransport.SSE);
    assertThat(c.client().connectionsOpened()).isEqualTo(3);
  }

  private static String name(List<RecordingClient> clients, RecordingClient c) {
    return c.client().config().transport() + "#" + clients.indexOf(c);
  }

  record Seq(String topic, long seq) {}
}
