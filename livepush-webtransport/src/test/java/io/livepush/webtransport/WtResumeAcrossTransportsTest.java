package io.livepush.webtransport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.fixtures.LiveServer;
import io.livepush.sse.SseTransport;
import io.livepush.testing.Await;
import io.livepush.testing.DeliveryChecker;
import io.livepush.testing.SseTestClient;
import io.livepush.testing.WsTestClient;
import io.livepush.websocket.WebSocketTransport;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One client moving between transports with its last id: a WebTransport session cut mid-stream (events in flight
 * unread), then SSE, then WebSocket, then WebTransport again; {@link DeliveryChecker} finds nothing lost or
 * repeated. A resume id from another epoch gets a {@code reset}; stopping the server with sessions open sends
 * the close capsule (1001) and GOAWAY.
 */
class WtResumeAcrossTransportsTest {
  private static final String TOPIC = "t";
  private final ObjectMapper mapper = new ObjectMapper();
  private final DeliveryChecker checker = new DeliveryChecker();
  @RegisterExtension final LiveServer live = new LiveServer();
  private LivePushServer server;
  private long seq;

  private void start() throws Exception {
    server = live.start(LivePushServer.builder()
        .transport(SseTransport.builder().route("/sse", TOPIC).build())
        .transport(WebSocketTransport.builder().path("/ws").build())
        .transport(WtServers.transport()));
  }

  private void publish(int n) {
    for (int i = 0; i < n; i++) {
      seq++;
      server.publish(TOPIC, Event.text(TOPIC + "/" + seq));
      checker.published(TOPIC, seq);
    }
  }

  private WtTestClient.Session session(WtTestClient client, String from) throws Exception {
    WtTestClient.Session s = client.connect("/wt", null);
    assertThat(s.status.get(10, TimeUnit.SECONDS)).isEqualTo(200);
    s.open();
    s.send("{\"type\":\"subscribe\",\"topics\":[\"" + TOPIC + "\"]" + (from == null ? "" : ",\"from\":\"" + from + "\"")
        + "}");
    return s;
  }

  /** Reads one message of {@code s} as the client "c": events and resets go to the checker; returns its id. */
  private String record(WtTestClient.Session s) throws Exception {
    JsonNode m = mapper.readTree(s.next());
    switch (m.get("type").asText()) {
      case "event" -> {
        String data = m.get("data").asText();
        checker.received("c", TOPIC, Long.parseLong(data.substring(data.lastIndexOf('/') + 1)));
      }
      case "reset" -> checker.reset("c", TOPIC);
      case "subscribed" -> { }
      default -> throw new AssertionError("unexpected " + m);
    }
    return m.get("id").asText();
  }

  @Test
  void webTransportCutThenSseThenWebSocketThenWebTransportLoseAndRepeatNothing() throws Exception {
    start();
    checker.follow("c", TOPIC, 0);
    String lastId;
    try (WtTestClient wt = new WtTestClient(server.port())) {
      WtTestClient.Session s = session(wt, null);
      lastId = record(s); // subscribed
      publish(20);
      for (int i = 0; i < 10; i++) {
        lastId = record(s);
      }
      // cut with ten events still in flight or unread
    }
    publish(10);

    String position = lastId;
    SseTestClient sse = live.closeAfter(new SseTestClient("c", () -> live.uri("/sse"), checker, position));
    Await.until("SSE caught up", Duration.ofSeconds(10), () -> checker.caughtUp("c", TOPIC, 30));
    publish(10);
    Await.until("SSE live", Duration.ofSeconds(10), () -> checker.caughtUp("c", TOPIC, 40));
    sse.close();
    lastId = sse.lastEventId;

    WsTestClient ws = live.closeAfter(new WsTestClient("c", () -> URI.create("ws://127.0.0.1:" + server.port()
        + "/ws"), checker, List.of(TOPIC), lastId));
    assertThat(ws.connects.poll(10, TimeUnit.SECONDS)).as("WebSocket subscribed").isNotNull();
    publish(10);
    Await.until("WebSocket live", Duration.ofSeconds(10), () -> checker.caughtUp("c", TOPIC, 50));
    ws.close();
    lastId = ws.lastId;

    publish(5);
    try (WtTestClient wt = new WtTestClient(server.port())) {
      WtTestClient.Session s = session(wt, lastId);
      while (!checker.caughtUp("c", TOPIC, 55)) {
        record(s);
      }
      publish(5);
      while (!checker.caughtUp("c", TOPIC, 60)) {
        record(s);
      }
    }
    DeliveryChecker.Report report = checker.check();
    assertThat(report.clean()).as(report.toString()).isTrue();
    assertThat(report.resets).isZero();
    assertThat(report.received).isEqualTo(60);
  }

  @Test
  void aResumeIdFromAnotherEpochGetsAReset() throws Exception {
    start();
    publish(3);
    EventId mine = server.publish(TOPIC, Event.text(TOPIC + "/4"));
    EventId foreign = EventId.of(mine.epoch() + 1, mine.offset());
    try (WtTestClient wt = new WtTestClient(server.port())) {
      WtTestClient.Session s = session(wt, foreign.toString());
      JsonNode reset = mapper.readTree(s.next());
      assertThat(reset.get("type").asText()).as(reset.toString()).isEqualTo("reset");
      assertThat(reset.get("reason").asText()).isEqualTo("epoch-changed");
      assertThat(mapper.readTree(s.next()).get("type").asText()).isEqualTo("subscribed");
      EventId next = server.publish(TOPIC, Event.text(TOPIC + "/5"));
      assertThat(mapper.readTree(s.next()).get("id").asText()).isEqualTo(next.toString());
    }
  }

  @Test
  void stoppingWithSessionsOpenClosesEachWith1001ThenGoAway() throws Exception {
    start();
    try (WtTestClient wt = new WtTestClient(server.port())) {
      WtTestClient.Session a = session(wt, null);
      WtTestClient.Session b = session(wt, null);
      assertThat(mapper.readTree(a.next()).get("type").asText()).isEqualTo("subscribed");
      assertThat(mapper.readTree(b.next()).get("type").asText()).isEqualTo("subscribed");
      publish(3);
      server.stop().get(20, TimeUnit.SECONDS);
      assertThat(a.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1001L);
      assertThat(b.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1001L);
      assertThat(wt.goAway.get(10, TimeUnit.SECONDS)).isNotNull();
      a.streamEnded.get(10, TimeUnit.SECONDS);
      // every event published before the stop reached both sessions before their streams ended
      for (WtTestClient.Session s : List.of(a, b)) {
        assertThat(s.messages).hasSize(3);
      }
    }
  }
}
