package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.CloseReason;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.SlowConsumerPolicy;
import io.livepush.fixtures.Budget;
import io.livepush.fixtures.LiveServer;
import io.livepush.spi.Session;
import io.livepush.testing.Heap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 10.1, one test per kind of write: a raw client that never reads keeps asking for answers, and the
 * server's pending bytes for it never exceed the budget plus one event and one frame; the connection is paused
 * and then closed by policy; heap after GC returns near its baseline. Real sockets, paranoid leak detection; the
 * server side of the flooded connection has a small kernel send buffer ({@link Budget#shrinkSendBuffer}), so the
 * budget fills after kilobytes of answers rather than after the megabytes an autotuned buffer takes first.
 */
class OutboundBudgetTest {
  static final int BUDGET = 64 * 1024;
  static final int TOPICS = 64;
  static final int EVENTS_PER_TOPIC = 40;
  static final int EVENT_BYTES = 1000;
  /** One event (its payload plus the frame and JSON head; presence events here are 8 KB) and one frame. */
  static final int SLACK = 10 * 1024;

  @RegisterExtension final LiveServer fixture = new LiveServer();
  private LivePushServer server;

  private void start(LivePushServer.Builder b) {
    // The stall bound (heartbeat interval + timeout) is short here so the test ends soon.
    server = fixture.start(LiveServer.withBudget(b, BUDGET)
        .transport(WebSocketTransport.builder()
            // Replies carry the message's data: 1 KB answers fill the kernel's buffers sooner. Non-blocking
            // (on the loop), so the flood meets the outbound budget rather than the maxPendingMessages bound of
            // messages waiting for the blocking executor.
            .messageHandler(WebSocketMessageHandler.nonBlocking(
                (connection, message) -> connection.reply(message.ref(), message.data())))
            .build()));
  }

  private void retainTopics() {
    String payload = "x".repeat(EVENT_BYTES);
    for (int i = 0; i < EVENTS_PER_TOPIC; i++) {
      for (int t = 0; t < TOPICS; t++) {
        server.publish("t" + t, Event.text(payload));
      }
    }
  }

  /** A client with a tiny receive buffer that completes the handshake and then never reads. */
  private RawWs neverReading() throws IOException {
    RawWs ws = fixture.closeAfter(RawWs.withReceiveBuffer(server.port(), 4096));
    ws.handshake("/ws");
    return ws;
  }

  /** Sends {@code frames} from another thread: once the server stops reading, the writes block. */
  private void sendInBackground(RawWs ws, Iterable<byte[]> texts, int opcode) {
    Thread t = new Thread(() -> {
      try {
        for (byte[] p : texts) {
          ws.frame(true, opcode, p, true);
        }
      } catch (IOException e) {
        // the server closed the connection: expected
      }
    }, "never-reading-writer");
    t.setDaemon(true);
    t.start();
  }

  /**
   * {@code json} over and over until the server closes the connection (the writer's IOException ends it): a
   * fixed count could be absorbed by the kernel's buffers on a fast machine before the budget fills, and the
   * client, silent afterwards, would be closed by the heartbeat timeout instead of as a slow consumer.
   */
  private static Iterable<byte[]> endless(String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    return () -> new java.util.Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public byte[] next() {
        return b;
      }
    };
  }

  private static String topicsJson() {
    return "[\"" + String.join("\",\"", Budget.topics("t", TOPICS)) + "\"]";
  }

  /**
   * Heap baseline, a never-reading client, {@code frames} sent from it in the background, then
   * {@link #assertBoundedAndClosed}.
   */
  private void floodFromANeverReadingClient(Iterable<byte[]> frames, int opcode, CloseReason... expected)
      throws Exception {
    long heapBefore = Heap.usedAfterGc();
    RawWs ws = neverReading();
    Session s = fixture.nextSession();
    Budget.shrinkSendBuffer(s.channel());
    sendInBackground(ws, frames, opcode);
    assertBoundedAndClosed(s, heapBefore, expected);
  }

  /** Waits for the close, then checks the peak, that nothing stays pending and that heap came back. */
  private void assertBoundedAndClosed(Session s, long heapBefore, CloseReason... expected) throws Exception {
    CloseReason reason = fixture.closeOf(s.id()).get(90, TimeUnit.SECONDS);
    assertThat(reason).as("closed by policy").isIn((Object[]) expected);
    Budget.assertFilledAndBounded("close " + reason, s, BUDGET, SLACK);
    assertThat(s.channel().closeFuture().await(10, TimeUnit.SECONDS)).isTrue();
    Budget.assertHeapNearBaseline(heapBefore);
  }

  @Test
  void replayLoopsOverRetainedTopicsStayWithinBudget() throws Exception {
    start(LivePushServer.builder());
    retainTopics();
    String from = EventId.of(server.epoch(), 0).toString();
    List<byte[]> loops = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      loops.add(("{\"type\":\"subscribe\",\"topics\":" + topicsJson() + ",\"from\":\"" + from + "\",\"ref\":\"s"
          + i + "\"}").getBytes(StandardCharsets.UTF_8));
      loops.add(("{\"type\":\"unsubscribe\",\"topics\":" + topicsJson() + ",\"ref\":\"u" + i + "\"}")
          .getBytes(StandardCharsets.UTF_8));
    }
    floodFromANeverReadingClient(loops, 0x1, CloseReason.SLOW_CONSUMER);
  }

  @Test
  void errorRepliesToMalformedMessagesStayWithinBudget() throws Exception {
    start(LivePushServer.builder());
    floodFromANeverReadingClient(endless("[\"not an object\"]"), 0x1,
        CloseReason.POLICY_VIOLATION, CloseReason.SLOW_CONSUMER);
  }

  @Test
  void repliesToApplicationMessagesStayWithinBudget() throws Exception {
    start(LivePushServer.builder());
    floodFromANeverReadingClient(endless("{\"type\":\"message\",\"ref\":\"" + "r".repeat(200)
        + "\",\"data\":\"" + "d".repeat(1000) + "\"}"), 0x1,
        CloseReason.POLICY_VIOLATION, CloseReason.SLOW_CONSUMER);
  }

  @Test
  void pongsToPingsStayWithinBudget() throws Exception {
    start(LivePushServer.builder());
    floodFromANeverReadingClient(endless("p".repeat(125)), 0x9, CloseReason.SLOW_CONSUMER);
  }

  @Test
  void presenceSnapshotsStayWithinBudget() throws Exception {
    // Each subscribe to the room is answered by "subscribed" and a snapshot holding this client's 8 KB metadata.
    start(LivePushServer.builder().presence(t -> t.startsWith("room")).presenceSnapshot(true)
        .presenceMetadata(p -> java.util.Map.of("bio", "b".repeat(8000))));
    List<byte[]> loops = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      loops.add("{\"type\":\"subscribe\",\"topics\":[\"room\"]}".getBytes(StandardCharsets.UTF_8));
      loops.add("{\"type\":\"unsubscribe\",\"topics\":[\"room\"]}".getBytes(StandardCharsets.UTF_8));
    }
    floodFromANeverReadingClient(loops, 0x1, CloseReason.POLICY_VIOLATION, CloseReason.SLOW_CONSUMER);
  }

  @Test
  void presenceEventsStayWithinBudget() throws Exception {
    // 8 KB of metadata per member: 2,000 joins and leaves are 16 MB, more than the kernel's buffers absorb.
    start(LivePushServer.builder().presence(t -> t.startsWith("room"))
        .presenceMetadata(p -> java.util.Map.of("bio", "b".repeat(8000)))
        .slowConsumerPolicy(t -> SlowConsumerPolicy.DROP_WITH_RESET));
    long heapBefore = Heap.usedAfterGc();
    RawWs ws = neverReading();
    Session s = fixture.nextSession();
    Budget.shrinkSendBuffer(s.channel());
    ws.frame(true, 0x1, "{\"type\":\"subscribe\",\"topics\":[\"room~presence\"]}".getBytes(StandardCharsets.UTF_8),
        true);
    // Alive (unsolicited pongs, RFC 6455 §5.5.3, while the server still reads it) but never reading.
    Thread alive = new Thread(() -> {
      try {
        while (!s.isClosed()) {
          ws.frame(true, 0xA, new byte[0], true);
          TimeUnit.MILLISECONDS.sleep(300); // the client's heartbeat period
        }
      } catch (IOException | InterruptedException e) {
        // closed
      }
    });
    alive.setDaemon(true);
    alive.start();
    // Another client joins and leaves the room over and over: every change is a presence event for the first.
    RawWs churn = fixture.closeAfter(new RawWs(server.port()));
    churn.handshake("/ws");
    fixture.nextSession();
    List<byte[]> joins = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      joins.add("{\"type\":\"subscribe\",\"topics\":[\"room\"]}".getBytes(StandardCharsets.UTF_8));
      joins.add("{\"type\":\"unsubscribe\",\"topics\":[\"room\"]}".getBytes(StandardCharsets.UTF_8));
    }
    Thread reader = new Thread(() -> {
      try {
        for (;;) {
          churn.readFrame();
        }
      } catch (IOException | AssertionError e) {
        // closed at the end of the test
      }
    });
    reader.setDaemon(true);
    reader.start();
    sendInBackground(churn, joins, 0x1);
    assertBoundedAndClosed(s, heapBefore, CloseReason.SLOW_CONSUMER);
  }
}
