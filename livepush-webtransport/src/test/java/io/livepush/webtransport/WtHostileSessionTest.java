package io.livepush.webtransport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.SlowConsumerPolicy;
import io.livepush.fixtures.LiveServer;
import io.livepush.spi.Session;
import io.livepush.testing.Await;
import io.livepush.websocket.WebSocketMessageHandler;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A hostile client on livepush.v1 over WebTransport: bytes that are not the framing, a message dribbled in
 * one-byte STREAM frames, a length prefix of 4 GiB, a JSON nesting bomb, invalid UTF-8, client values with CR, LF
 * and U+010A, and a reader that stops in the middle of a long replay. Each ends (at most) its own session with the
 * livepush.v1 close code, never the QUIC connection's other sessions, and nothing of the client reaches the log raw.
 */
class WtHostileSessionTest {
  private final ObjectMapper mapper = new ObjectMapper();
  @RegisterExtension final LiveServer live = new LiveServer();
  private LivePushServer server;
  private WtTestClient client;

  private void start(LivePushServer.Builder b) throws Exception {
    start(b, WebTransportTransport.builder());
  }

  private void start(LivePushServer.Builder b, WebTransportTransport.Builder t) throws Exception {
    server = live.start(b.transport(WtServers.transport(t)));
    client = WtServers.client(live, server);
  }

  private WtTestClient.Session opened() throws Exception {
    WtTestClient.Session s = client.connect("/wt", null);
    assertThat(s.status.get(10, TimeUnit.SECONDS)).isEqualTo(200);
    return s.open();
  }

  private WtTestClient.Session subscribed(String topic) throws Exception {
    WtTestClient.Session s = opened();
    s.send("{\"type\":\"subscribe\",\"topics\":[\"" + topic + "\"]}");
    assertThat(mapper.readTree(s.next()).get("type").asText()).isEqualTo("subscribed");
    return s;
  }

  private void raw(WtTestClient.Session s, byte[] bytes) {
    s.stream.writeAndFlush(Unpooled.wrappedBuffer(bytes));
  }

  /** A second session on the same QUIC connection still subscribes and receives. */
  private void anotherSessionIsServed(String topic) throws Exception {
    WtTestClient.Session other = subscribed(topic);
    EventId id = server.publish(topic, Event.text("still here"));
    assertThat(mapper.readTree(other.next()).get("id").asText()).isEqualTo(id.toString());
  }

  @Test
  void aMessageDribbledInOneByteStreamFramesIsOneMessage() throws Exception {
    start(LivePushServer.builder());
    WtTestClient.Session s = opened();
    byte[] m = WtFrames.message(WtFrames.TEXT,
        "{\"type\":\"subscribe\",\"topics\":[\"drip\"],\"ref\":\"d\"}".getBytes(StandardCharsets.UTF_8));
    for (byte b : m) {
      s.stream.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {b})).sync();
    }
    JsonNode subscribed = mapper.readTree(s.next());
    assertThat(subscribed.get("type").asText()).isEqualTo("subscribed");
    assertThat(subscribed.get("ref").asText()).isEqualTo("d");
  }

  @Test
  void aLengthPrefixOfFourGibibytesEndsTheSessionWith1009AndNothingElse() throws Exception {
    start(LivePushServer.builder());
    WtTestClient.Session s = opened();
    raw(s, new byte[] {WtFrames.TEXT, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, '{'});
    assertThat(s.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1009L);
    anotherSessionIsServed("after-huge");
  }

  @Test
  void aJsonNestingBombIs1007NotAnInternalError() throws Exception {
    start(LivePushServer.builder());
    WtTestClient.Session s = opened();
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      s.send("[".repeat(60_000));
      assertThat(s.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1007L);
      WtTestClient.Session t = opened();
      t.send("{\"type\":\"subscribe\",\"topics\":[\"x\"],\"ref\":" + "{\"a\":".repeat(10_000) + "1"
          + "}".repeat(10_000) + "}");
      assertThat(t.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1007L);
    } finally {
      System.setErr(original);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain("WARN").doesNotContain("ERROR");
    anotherSessionIsServed("after-bomb");
  }

  @Test
  void invalidUtf8AndUnknownKindsAnswerWithTheirCodes() throws Exception {
    start(LivePushServer.builder());
    WtTestClient.Session bad = opened();
    // an overlong '/' and a lone surrogate encoded in three bytes (CESU): both malformed UTF-8
    raw(bad, WtFrames.message(WtFrames.TEXT, new byte[] {'"', (byte) 0xc0, (byte) 0xaf, (byte) 0xed, (byte) 0xa0,
        (byte) 0x80, '"'}));
    assertThat(bad.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1007L);
    WtTestClient.Session kind = opened();
    raw(kind, WtFrames.message(0x7f, "{}".getBytes(StandardCharsets.UTF_8)));
    assertThat(kind.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1003L);
    anotherSessionIsServed("after-kinds");
  }

  @Test
  void randomBytesEndOnlyTheirOwnSession() throws Exception {
    start(LivePushServer.builder());
    Random random = new Random(5);
    for (int i = 0; i < 8; i++) {
      WtTestClient.Session s = opened();
      byte[] junk = new byte[1 + random.nextInt(4096)];
      random.nextBytes(junk);
      raw(s, junk);
      s.stream.shutdownOutput(); // FIN: whatever the junk declared, the session must end
      s.closed.get(10, TimeUnit.SECONDS);
    }
    anotherSessionIsServed("after-junk");
    Await.until("every junk session closed", Duration.ofSeconds(10), () -> server.stats().connections() == 1);
  }

  @Test
  void clientValuesWithLineBreaksNeverReachTheLogRaw() throws Exception {
    start(LivePushServer.builder(), WebTransportTransport.builder().messageHandler(
        WebSocketMessageHandler.nonBlocking((conn, m) -> {
          throw new IllegalStateException("handler refuses " + m.data());
        })));
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      WtTestClient.Session s = opened();
      String[] evil = {"a\nINJ-TOPIC", "b\u010aINJ-TOPIC2", "c\rINJ-TOPIC3", "d\u2028INJ-TOPIC4"};
      for (String t : evil) {
        s.send(mapper.writeValueAsString(mapper.createObjectNode().put("type", "subscribe")
            .put("ref", "r\nINJ-REF").put("from", "1\r\nINJ-FROM")
            .set("topics", mapper.createArrayNode().add(t))));
        assertThat(mapper.readTree(s.next()).get("type").asText()).isEqualTo("error");
      }
      s.send(mapper.writeValueAsString(mapper.createObjectNode().put("type", "subscribe")
          .put("from", "\u010a\nINJ-FROM2").set("topics", mapper.createArrayNode().add("ok"))));
      String answer = s.next();
      assertThat(answer).as(answer).containsAnyOf("\"error\"", "\"reset\"");
      s.send(mapper.writeValueAsString(mapper.createObjectNode().put("type", "message").put("topic", "t")
          .put("ref", "m\nINJ-MREF").put("data", "x\r\nINJ-DATA\u010aINJ-DATA2")));
      assertThat(s.closed.get(10, TimeUnit.SECONDS)).as("the handler's failure").isEqualTo(1011L);
    } finally {
      System.setErr(original);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertThat(log).contains("message handler failed"); // the line that quotes the message was written
    // U+010A may appear as itself (a letter, not a line break); narrowed to its low byte it would be a raw LF.
    assertThat(log).doesNotContain("\nINJ").doesNotContain("\rINJ").doesNotContain("\u2028INJ");
  }

  /**
   * A reader that stops in the middle of replaying a long history (three topics, far more than its stream window
   * and the budget): the replay pauses at the budget, what waits stays within it, another session of the same
   * QUIC connection is served meanwhile, and the stall bound ends the stopped one as a slow consumer.
   */
  @Test
  void aReaderThatStopsMidReplayIsBoundedAndTheOtherSessionGoesOn() throws Exception {
    int budget = 32 * 1024;
    String payload = "y".repeat(3001);
    start(LiveServer.withBudget(LivePushServer.builder(), budget).slowConsumerPolicy(SlowConsumerPolicy.DISCONNECT));
    for (String topic : new String[] {"h1", "h2", "h3"}) {
      for (int i = 0; i < 300; i++) {
        server.publish(topic, Event.text(payload));
      }
    }
    WtTestClient.Session stopped = opened();
    Session session = live.nextSession();
    stopped.stream.config().setAutoRead(false); // from here on the client grants no more stream credit
    stopped.send("{\"type\":\"subscribe\",\"topics\":[\"h1\",\"h2\",\"h3\"],\"from\":\"earliest\"}");
    Await.until("the replay filled the budget", Duration.ofSeconds(10),
        () -> session.peakPendingOutboundBytes() > budget / 2);

    WtTestClient.Session other = subscribed("live");
    for (int i = 0; i < 20; i++) {
      EventId id = server.publish("live", Event.text("n" + i));
      JsonNode m = mapper.readTree(other.next());
      while (m.get("type").asText().equals("heartbeat")) { // the 1 s heartbeat of an idle moment
        m = mapper.readTree(other.next());
      }
      assertThat(m.get("id").asText()).isEqualTo(id.toString());
    }
    assertThat(stopped.closed.get(20, TimeUnit.SECONDS)).as("closed by the stall bound").isEqualTo(1008L);
    assertThat(session.peakPendingOutboundBytes()).isLessThanOrEqualTo(budget + payload.length() + 256);
    assertThat(other.closed).isNotDone();
  }

  /**
   * The slow-consumer policy acts at the configured bytes: a burst well within the budget to a client that reads
   * everything is delivered whole, even when it is larger than QUIC's congestion window (which alone makes the
   * stream unwritable for a moment).
   */
  @Test
  void aBurstWithinTheBudgetToAReaderIsNotASlowConsumer() throws Exception {
    int budget = 256 * 1024;
    String payload = "w".repeat(1000);
    start(LivePushServer.builder().maxPendingOutboundBytes(budget).slowConsumerPolicy(SlowConsumerPolicy.DISCONNECT));
    WtTestClient.Session s = subscribed("burst");
    Session session = live.nextSession();
    EventId last = null;
    for (int i = 0; i < 150; i++) {
      last = server.publish("burst", Event.text(payload));
    }
    for (int i = 0; i < 150; i++) {
      String m = s.messages.poll(10, TimeUnit.SECONDS);
      assertThat(m).as("event %d of 150; closes %s, peak %d", i + 1, live.closes(),
          session.peakPendingOutboundBytes()).isNotNull();
      if (i == 149) {
        assertThat(mapper.readTree(m).get("id").asText()).isEqualTo(last.toString());
      }
    }
    assertThat(live.closes()).isEmpty();
  }
}
