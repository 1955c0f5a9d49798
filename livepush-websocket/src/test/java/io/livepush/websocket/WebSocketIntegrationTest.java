package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.CloseReason;
import io.livepush.ConnectionInfo;
import io.livepush.ConnectionListener;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.ReplayConfig;
import io.livepush.sse.SseTransport;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real sockets on port 0; clients written by others: the JDK's {@code java.net.http.WebSocket} and
 * Java-WebSocket, plus a raw socket for what they refuse to send. SSE runs on the same server for cross-transport
 * resume.
 */
class WebSocketIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private LivePushServer server;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<ExecutorService> executors = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception ignored) {
        // already closed
      }
    }
    if (server != null) {
      server.close();
    }
    executors.forEach(ExecutorService::shutdownNow);
  }

  private LivePushServer start(LivePushServer.Builder b, WebSocketTransport ws) {
    server = b.host("127.0.0.1").port(0)
        .transport(SseTransport.builder().multiTopicPath("/sse").build())
        .transport(ws)
        .build();
    server.start().join();
    return server;
  }

  private LivePushServer startDefault() {
    return start(LivePushServer.builder(), WebSocketTransport.builder()
        .messageHandler((conn, msg) -> {
          switch (msg.data().path("op").asText()) {
            case "echo":
              conn.reply(msg.ref(), msg.data());
              break;
            case "ack":
              conn.ack(msg.ref());
              break;
            case "publish":
              conn.publish(msg.topic(), Event.json(msg.data()));
              break;
            case "close":
              conn.close(msg.data().path("code").asInt(), "bye");
              break;
            case "throw":
              throw new IllegalStateException("handler failure (expected by the test)");
            default:
              break;
          }
        })
        .build());
  }

  private JwsClient jws(String path) throws InterruptedException {
    JwsClient c = JwsClient.connect(server.port(), path);
    closeables.add(c::closeBlocking);
    return c;
  }

  private JdkClient jdk() {
    JdkClient c = JdkClient.connect(server.port(), "/ws");
    closeables.add(() -> c.ws.abort());
    return c;
  }

  private RawWs raw() throws Exception {
    RawWs r = new RawWs(server.port());
    closeables.add(r);
    return r;
  }

  private static JsonNode json(String s) throws Exception {
    return JSON.readTree(s);
  }

  private static int code(CompletableFuture<Integer> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }

  // ---- subscribe, events, resume ------------------------------------------------------------------------

  @Test
  void subscribeAndReceiveWithJdkClient() throws Exception {
    startDefault();
    JdkClient c = jdk();
    c.send("{\"type\":\"subscribe\",\"topics\":[\"a\",\"b\"],\"ref\":\"r1\"}");
    JsonNode sub = json(c.next());
    assertThat(sub.get("type").asText()).isEqualTo("subscribed");
    assertThat(sub.get("ref").asText()).isEqualTo("r1");
    assertThat(sub.get("topics")).hasSize(2);
    EventId.parse(sub.get("id").asText());
    EventId id1 = server.publish("a", Event.json(Map.of("score", 1)).withType("score"));
    EventId id2 = server.publish("b", Event.text("hello \"world\"\n"));
    JsonNode e1 = json(c.next());
    assertThat(e1.get("type").asText()).isEqualTo("event");
    assertThat(e1.get("topic").asText()).isEqualTo("a");
    assertThat(e1.get("id").asText()).isEqualTo(id1.toString());
    assertThat(e1.get("event").asText()).isEqualTo("score");
    assertThat(e1.get("data").get("score").asInt()).isEqualTo(1);
    JsonNode e2 = json(c.next());
    assertThat(e2.get("id").asText()).isEqualTo(id2.toString());
    assertThat(e2.get("event").isNull()).isTrue();
    assertThat(e2.get("data").asText()).isEqualTo("hello \"world\"\n");
  }

  @Test
  void dropMidStreamAndResumeReceivesExactlyTheMissedEvents() throws Exception {
    startDefault();
    JwsClient c = jws("/ws");
    c.send("{\"type\":\"subscribe\",\"topics\":[\"t\"]}");
    assertThat(json(c.next()).get("type").asText()).isEqualTo("subscribed");
    server.publish("t", Event.json(1));
    server.publish("other", Event.json(-1));
    String last = json(c.next()).get("id").asText();
    c.closeBlocking();
    List<String> missed = new ArrayList<>();
    for (int i = 2; i <= 4; i++) {
      missed.add(server.publish("t", Event.json(i)).toString());
    }
    JwsClient again = jws("/ws");
    again.send("{\"type\":\"subscribe\",\"topics\":[\"t\"],\"from\":\"" + last + "\",\"ref\":\"x\"}");
    for (int i = 0; i < 3; i++) {
      JsonNode e = json(again.next());
      assertThat(e.get("type").asText()).isEqualTo("event");
      assertThat(e.get("id").asText()).isEqualTo(missed.get(i));
      assertThat(e.get("data").asInt()).isEqualTo(i + 2);
    }
    assertThat(json(again.next()).get("type").asText()).isEqualTo("subscribed");
    EventId live = server.publish("t", Event.json(5));
    // The next message is the live one: no duplicate, no gap.
    assertThat(json(again.next()).get("id").asText()).isEqualTo(live.toString());
  }

  @Test
  void oneSubscribeResumesTopicsFromTheirOwnPositionsInOffsetOrder() throws Exception {
    startDefault();
    EventId a1 = server.publish("a", Event.json("a1"));
    EventId b1 = server.publish("b", Event.json("b1"));
    List<String> missed = new ArrayList<>();
    missed.add(server.publish("a", Event.json("a2")).toString());
    missed.add(server.publish("b", Event.json("b2")).toString());
    server.publish("c", Event.json("c-before"));
    missed.add(server.publish("a", Event.json("a3")).toString());
    JwsClient c = jws("/ws");
    // a was last seen at a1, b at b1, c is new (live from now).
    c.send("{\"type\":\"subscribe\",\"topics\":[\"a\",\"b\",\"c\"],\"from\":{\"a\":\"" + a1 + "\",\"b\":\""
        + b1 + "\"},\"ref\":\"r\"}");
    List<String> got = new ArrayList<>();
    JsonNode m;
    while ((m = json(c.next())).get("type").asText().equals("event")) {
      got.add(m.get("id").asText());
    }
    assertThat(got).containsExactlyElementsOf(missed);
    assertThat(m.get("type").asText()).isEqualTo("subscribed");
    assertThat(m.get("ref").asText()).isEqualTo("r");
    assertThat(m.get("topics")).hasSize(3);
    assertThat(m.get("id").asText()).isEqualTo(missed.get(2));
    EventId live = server.publish("c", Event.json("c1"));
    assertThat(json(c.next()).get("id").asText()).isEqualTo(live.toString());
  }

  @Test
  void fromEarliestReplaysEverythingRetained() throws Exception {
    start(LivePushServer.builder().replay(ReplayConfig.builder().maxEventsPerTopic(2).build()),
        WebSocketTransport.builder().build());
    server.publish("t", Event.json(1));
    EventId two = server.publish("t", Event.json(2));
    EventId three = server.publish("t", Event.json(3));
    for (String from : new String[] {"\"earliest\"", "{\"t\":\"earliest\"}"}) {
      JwsClient c = jws("/ws");
      c.send("{\"type\":\"subscribe\",\"topics\":[\"t\"],\"from\":" + from + "}");
      assertThat(json(c.next()).get("id").asText()).isEqualTo(two.toString());
      assertThat(json(c.next()).get("id").asText()).isEqualTo(three.toString());
      JsonNode sub = json(c.next());
      assertThat(sub.get("type").asText()).isEqualTo("subscribed");
      assertThat(sub.get("id").asText()).isEqualTo(three.toString());
    }
  }

  @Test
  void malformedPerTopicPositionsAreRefused() throws Exception {
    startDefault();
    JwsClient c = jws("/ws");
    for (String from : new String[] {"{\"other\":\"earliest\"}", "{\"a\":5}", "[\"earliest\"]", "{\"a\":\"x!\"}",
        "\"Earliest\""}) {
      c.send("{\"type\":\"subscribe\",\"topics\":[\"a\"],\"from\":" + from + ",\"ref\":\"bad\"}");
      JsonNode e = json(c.next());
      assertThat(e.get("type").asText()).as(from).isEqualTo("error");
      assertThat(e.get("code").asText()).isEqualTo("bad-request");
      assertThat(e.get("ref").asText()).isEqualTo("bad");
    }
    // Nothing was subscribed by the refused requests.
    c.send("{\"type\":\"subscribe\",\"topics\":[\"a\"],\"from\":{\"a\":null}}");
    JsonNode sub = json(c.next());
    assertThat(sub.get("type").asText()).isEqualTo("subscribed");
  }

  @Test
  void resumeOnWebSocketFromAnIdSeenOverSse() throws Exception {
    startDefault();
    SseReader sse = new SseReader(server.port(), "/sse?topic=t", null);
    closeables.add(sse);
    server.publish("t", Event.json("one"));
    String seen = sse.nextEvent()[0];
    sse.close();
    EventId missed = server.publish("t", Event.json("two"));
    JdkClient c = jdk();
    c.send("{\"type\":\"subscribe\",\"topics\":[\"t\"],\"from\":\"" + seen + "\"}");
    JsonNode e = json(c.next());
    assertThat(e.get("id").asText()).isEqualTo(missed.toString());
    assertThat(e.get("data").asText()).isEqualTo("two");
    assertThat(json(c.next()).get("type").asText()).isEqualTo("subscribed");
  }

  @Test
  void resumeOnSseFromAnIdSeenOverWebSocket() throws Exception {
    startDefault();
    JwsClient c = jws("/ws");
    c.send("{\"type\":\"subscribe\",\"topics\":[\"t\"]}");
    c.next();
    server.publish("t", Event.json("one"));
    String seen = json(c.next()).get("id").asText();
    c.closeBlocking();
    EventId missed = server.publish("t", Event.json("two"));
    SseReader sse = new SseReader(server.port(), "/sse?topic=t", seen);
    closeables.add(sse);
    String[] e = sse.nextEvent();
    assertThat(e[0]).isEqualTo(missed.toString());
    assertThat(e[2]).isEqualTo("\"two\"");
  }

  @Test
  void resumePastRetentionGetsReset() throws Exception {
    start(LivePushServer.builder().replay(ReplayConfig.builder().maxEventsPerTopic(2).build()),
        WebSocketTransport.builder().build());
    String old = server.publish("t", Event.json(0)).toString();
    for (int i = 1; i <= 5; i++) {
      server.publish("t", Event.json(i));
    }
    JwsClient c = jws("/ws");
    c.send("{\"type\":\"subscribe\",\"topics\":[\"t\"],\"from\":\"" + old + "\"}");
    JsonNode reset = json(c.next());
    assertThat(reset.get("type").asText()).isEqualTo("reset");
    assertThat(reset.get("topic").asText()).isEqualTo("t");
    assertThat(reset.get("reason").asText()).isEqualTo("too-old");
    JsonNode sub = json(c.next());
    assertThat(sub.get("type").asText()).isEqualTo("subscribed");
    assertThat(sub.get("id").asText()).isEqualTo(reset.get("id").asText());
  }

  @Test
  void binaryEventsArriveAsBinaryFramesWithHeader() throws Exception {
    startDefault();
    JwsClient c = jws("/ws");
    c.send("{\"type\":\"subscribe\",\"topics\":[\"bin\"]}");
    c.next();
    byte[] payload = {0, 1, 2, (byte) 0xFF, (byte) 0xFE};
    EventId id = server.publish("bin", Event.binary(payload).withType("blob"));
    ByteBuffer b = c.binaries.poll(10, TimeUnit.SECONDS);
    assertThat(b).isNotNull();
    int n = b.getShort() & 0xFFFF;
    byte[] head = new byte[n];
    b.get(head);
    JsonNode h = json(new String(head, StandardCharsets.UTF_8));
    assertThat(h.get("type").asText()).isEqualTo("event");
    assertThat(h.get("topic").asText()).isEqualTo("bin");
    assertThat(h.get("id").asText()).isEqualTo(id.toString());
    assertThat(h.get("event").asText()).isEqualTo("blob");
    byte[] rest = new byte[b.remaining()];
    b.get(rest);
    assertThat(rest).containsExactly(payload);
  }

  // ---- protocol messages --------------------------------------------------------------------------------

  @Test
  void badRequestsGetErrorMessagesNotCloses() throws Exception {
    start(LivePushServer.builder().maxTopicsPerConnection(2)
            .topicAuthorizer((req, topic) -> !topic.startsWith("secret")),
        WebSocketTransport.builder().build());
    JdkClient c = jdk();
    c.send("{\"type\":\"subscribe\",\"topics\":[\"a\"],\"from\":\"not an id\",\"ref\":\"1\"}");
    assertError(c.next(), "bad-request", "1");
    c.send("{\"type\":\"dance\",\"ref\":\"2\"}");
    assertError(c.next(), "unknown-type", "2");
    c.send("{\"type\":\"subscribe\",\"topics\":[\"secret-x\"],\"ref\":\"3\"}");
    assertError(c.next(), "forbidden", "3");
    c.send("{\"type\":\"subscribe\",\"topics\":[\"a\",\"b\",\"c\"],\"ref\":\"4\"}");
    assertError(c.next(), "too-many-topics", "4");
    c.send("{\"type\":\"subscribe\",\"topics\":[\"bad topic\"],\"ref\":\"5\"}");
    assertError(c.next(), "bad-request", "5");
    c.send("[1,2]");
    assertError(c.next(), "bad-request", null);
    c.send("{\"type\":\"message\",\"data\":1,\"ref\":\"6\"}");
    assertError(c.next(), "unsupported", "6");
    // Still open and working.
    c.send("{\"type\":\"subscribe\",\"topics\":[\"a\"],\"ref\":\"7\"}");
    assertThat(json(c.next()).get("ref").asText()).isEqualTo("7");
    c.send("{\"type\":\"subscribe\",\"topics\":[\"a\"],\"ref\":\"8\"}");
    assertThat(json(c.next()).get("ref").asText()).isEqualTo("8");
    c.send("{\"type\":\"unsubscribe\",\"topics\":[\"a\"],\"ref\":\"9\"}");
    JsonNode ack = json(c.next());
    assertThat(ack.get("type").asText()).isEqualTo("ack");
    assertThat(ack.get("ref").asText()).isEqualTo("9");
  }

  private static void assertError(String message, String code, String ref) throws Exception {
    JsonNode e = json(message);
    assertThat(e.get("type").asText()).isEqualTo("error");
    assertThat(e.get("code").asText()).isEqualTo(code);
    assertThat(e.get("message").asText()).isNotEmpty();
    if (ref == null) {
      assertThat(e.has("ref")).isFalse();
    } else {
      assertThat(e.get("ref").asText()).isEqualTo(ref);
    }
  }

  @Test
  void applicationMessagesReplyAckAndPublish() throws Exception {
    startDefault();
    JwsClient listener = jws("/ws");
    listener.send("{\"type\":\"subscribe\",\"topics\":[\"chat\"]}");
    listener.next();
    JdkClient c = jdk();
    c.send("{\"type\":\"message\",\"data\":{\"op\":\"echo\",\"x\":[1]},\"ref\":\"q1\"}");
    JsonNode reply = json(c.next());
    assertThat(reply.get("type").asText()).isEqualTo("reply");
    assertThat(reply.get("ref").asText()).isEqualTo("q1");
    assertThat(reply.get("data").get("x").get(0).asInt()).isEqualTo(1);
    c.send("{\"type\":\"message\",\"data\":{\"op\":\"ack\"},\"ref\":\"q2\"}");
    assertThat(json(c.next()).get("type").asText()).isEqualTo("ack");
    c.send("{\"type\":\"message\",\"topic\":\"chat\",\"data\":{\"op\":\"publish\",\"text\":\"hi\"}}");
    JsonNode e = json(listener.next());
    assertThat(e.get("topic").asText()).isEqualTo("chat");
    assertThat(e.get("data").get("text").asText()).isEqualTo("hi");
  }

  @Test
  void handlerOffTheEventLoopRepliesInOrder() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    executors.add(pool);
    start(LivePushServer.builder(), WebSocketTransport.builder()
        .handlerExecutor(pool)
        .messageHandler((conn, msg) -> {
          assertThat(Thread.currentThread().getName()).doesNotContain("livepush-io");
          conn.reply(msg.ref(), msg.data());
        })
        .build());
    JdkClient c = jdk();
    for (int i = 0; i < 20; i++) {
      c.send("{\"type\":\"message\",\"data\":" + i + ",\"ref\":\"" + i + "\"}");
    }
    for (int i = 0; i < 20; i++) {
      assertThat(json(c.next()).get("data").asInt()).isEqualTo(i);
    }
  }

  // ---- close codes --------------------------------------------------------------------------------------

  @Test
  void close1000FromApplicationAndEchoOfClientClose() throws Exception {
    startDefault();
    JdkClient c = jdk();
    c.send("{\"type\":\"message\",\"data\":{\"op\":\"close\",\"code\":1000}}");
    assertThat(code(c.closeCode)).isEqualTo(1000);
    RawWs r = raw();
    r.handshake("/ws");
    r.frame(true, 0x8, new byte[] {0x03, (byte) 0xE8}, true);
    assertThat(r.awaitCloseCode()).isEqualTo(1000);
  }

  @Test
  void close1001WhenServerStops() throws Exception {
    startDefault();
    JwsClient c = jws("/ws");
    server.stop().join();
    assertThat(code(c.closeCode)).isEqualTo(1001);
  }

  @Test
  void close1002OnProtocolErrorAndInvalidCloseFrameNever1000() throws Exception {
    startDefault();
    RawWs r = raw();
    r.handshake("/ws");
    r.frame(true, 0x1, "{}".getBytes(StandardCharsets.UTF_8), false); // unmasked client frame
    assertThat(r.awaitCloseCode()).isEqualTo(1002);
    RawWs r2 = raw();
    r2.handshake("/ws");
    r2.frame(true, 0x8, new byte[] {0x03, (byte) 0xE7}, true); // close code 999
    // Netty drops TCP here (the closing handshake was already received): allowed, unlike 1000.
    assertThat(r2.awaitCloseCodeOrDrop()).isIn(1002, -2);
    RawWs r3 = raw();
    r3.handshake("/ws");
    r3.frame(true, 0x8, new byte[] {0x03}, true); // 1-byte close body
    assertThat(r3.awaitCloseCodeOrDrop()).isIn(1002, -2);
  }

  @Test
  void close1003OnBinaryMessage() throws Exception {
    startDefault();
    JwsClient c = jws("/ws");
    c.send(new byte[] {1, 2, 3});
    assertThat(code(c.closeCode)).isEqualTo(1003);
  }

  @Test
  void close1007OnInvalidUtf8AndOnNonJson() throws Exception {
    startDefault();
    RawWs r = raw();
    r.handshake("/ws");
    r.frame(true, 0x1, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}, true);
    assertThat(r.awaitCloseCode()).isEqualTo(1007);
    JdkClient c = jdk();
    c.send("this is not json");
    assertThat(code(c.closeCode)).isEqualTo(1007);
  }

  @Test
  void utf8IsCheckedAcrossFragmentsAndFailsAtTheFragmentThatBreaksIt() throws Exception {
    startDefault();
    // A two-byte character cut between fragments of a valid message is accepted.
    RawWs ok = raw();
    ok.handshake("/ws");
    byte[] msg = "{\"type\":\"subscribe\",\"topics\":[\"t\"],\"ref\":\"caf\u00e9\"}"
        .getBytes(StandardCharsets.UTF_8);
    int cut = indexOf(msg, (byte) 0xC3) + 1;
    ok.frame(false, 0x1, java.util.Arrays.copyOfRange(msg, 0, cut), true);
    ok.frame(true, 0x0, java.util.Arrays.copyOfRange(msg, cut, msg.length), true);
    RawWs.Frame f = ok.readFrame();
    assertThat(f.opcode).isEqualTo(0x1);
    assertThat(new String(f.payload, StandardCharsets.UTF_8)).contains("\"subscribed\"").contains("caf\u00e9");
    // An invalid sequence closes with 1007 at the fragment that contains it, before the message is complete.
    RawWs bad = raw();
    bad.handshake("/ws");
    bad.frame(false, 0x1, new byte[] {'{', '"', (byte) 0xC3}, true);
    bad.frame(false, 0x0, new byte[] {(byte) 0x28, '"'}, true);
    assertThat(bad.awaitCloseCode()).isEqualTo(1007);
  }

  private static int indexOf(byte[] a, byte b) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] == b) {
        return i;
      }
    }
    throw new AssertionError("not found");
  }

  @Test
  void close1008WhenTooManyMessagesWaitForTheHandler() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    executors.add(pool);
    CountDownLatch release = new CountDownLatch(1);
    start(LivePushServer.builder(), WebSocketTransport.builder()
        .handlerExecutor(pool)
        .maxPendingMessages(2)
        .messageHandler((conn, msg) -> {
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        })
        .build());
    JwsClient c = jws("/ws");
    for (int i = 0; i < 3; i++) {
      c.send("{\"type\":\"message\",\"data\":" + i + "}");
    }
    assertThat(code(c.closeCode)).isEqualTo(1008);
    release.countDown();
  }

  @Test
  void close1009OnOversizedFrameAndOversizedMessage() throws Exception {
    start(LivePushServer.builder(), WebSocketTransport.builder().maxFrameSize(1024).maxMessageSize(2048).build());
    RawWs r = raw();
    r.handshake("/ws");
    r.frame(true, 0x1, new byte[2000], true);
    assertThat(r.awaitCloseCode()).isEqualTo(1009);
    RawWs r2 = raw();
    r2.handshake("/ws");
    byte[] part = new byte[1000];
    java.util.Arrays.fill(part, (byte) ' ');
    r2.frame(false, 0x1, part, true);
    r2.frame(false, 0x0, part, true);
    r2.frame(true, 0x0, part, true);
    assertThat(r2.awaitCloseCode()).isEqualTo(1009);
  }

  @Test
  void close1011WhenTheHandlerThrows() throws Exception {
    startDefault();
    JwsClient c = jws("/ws");
    c.send("{\"type\":\"message\",\"data\":{\"op\":\"throw\"}}");
    assertThat(code(c.closeCode)).isEqualTo(1011);
  }

  @Test
  void close1013WhenTheServerIsFull() throws Exception {
    start(LivePushServer.builder().maxConnections(1), WebSocketTransport.builder().build());
    JwsClient first = jws("/ws");
    first.send("{\"type\":\"subscribe\",\"topics\":[\"a\"]}");
    first.next();
    JwsClient second = new JwsClient(server.port(), "/ws", true, Map.of());
    closeables.add(second::closeBlocking);
    second.connect(); // the 1013 may arrive before connectBlocking would report "open"
    assertThat(code(second.closeCode)).isEqualTo(1013);
  }

  @Test
  void applicationCloseCodesAreValidated() throws Exception {
    CompletableFuture<Throwable> thrown = new CompletableFuture<>();
    start(LivePushServer.builder(), WebSocketTransport.builder()
        .messageHandler((conn, msg) -> {
          try {
            conn.close(1005, "not sendable");
            thrown.complete(null);
          } catch (InvalidCloseException e) {
            thrown.complete(e);
            conn.close(4000, "app code");
          }
        })
        .build());
    JdkClient c = jdk();
    c.send("{\"type\":\"message\",\"data\":null}");
    assertThat(thrown.get(10, TimeUnit.SECONDS)).hasMessageContaining("code: 1005");
    assertThat(code(c.closeCode)).isEqualTo(4000);
  }

  // ---- heartbeats ---------------------------------------------------------------------------------------

  @Test
  void silentPeerIsClosedByTheHeartbeat() throws Exception {
    CompletableFuture<CloseReason> reason = new CompletableFuture<>();
    start(LivePushServer.builder()
            .heartbeatInterval(Duration.ofMillis(200))
            .heartbeatTimeout(Duration.ofMillis(200))
            .connectionListener(new ConnectionListener() {
              @Override
              public void onClose(ConnectionInfo connection, CloseReason r) {
                reason.complete(r);
              }
            }),
        WebSocketTransport.builder().build());
    JwsClient silent = JwsClient.connect(server.port(), "/ws", false);
    closeables.add(silent::closeBlocking);
    assertThat(code(silent.closeCode)).isEqualTo(1001);
    assertThat(reason.get(10, TimeUnit.SECONDS)).isEqualTo(CloseReason.HEARTBEAT_TIMEOUT);
  }

  @Test
  void peerAnsweringPingsStaysOpen() throws Exception {
    // Pings every 100 ms of silence; a peer silent for 100 ms + 2 s is closed. The timeout is long so that a pong a
    // loaded machine delays still counts; answering for 3 s (longer than interval + timeout) proves that the pongs,
    // not the clock, keep the connection open: a silent peer would read the close (opcode 8) within that loop.
    start(LivePushServer.builder()
            .heartbeatInterval(Duration.ofMillis(100))
            .heartbeatTimeout(Duration.ofSeconds(2)),
        WebSocketTransport.builder().build());
    RawWs r = raw();
    r.handshake("/ws");
    long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    for (int answered = 0; answered < 3 || System.nanoTime() < until; answered++) {
      RawWs.Frame f = r.readFrame();
      assertThat(f.opcode).isEqualTo(0x9);
      r.frame(true, 0xA, f.payload, true);
    }
    r.frame(true, 0x1, "{\"type\":\"subscribe\",\"topics\":[\"a\"]}".getBytes(StandardCharsets.UTF_8), true);
    RawWs.Frame f;
    do {
      f = r.readFrame();
    } while (f.opcode == 0x9);
    assertThat(json(new String(f.payload, StandardCharsets.UTF_8)).get("type").asText()).isEqualTo("subscribed");
  }

  // ---- handshake ----------------------------------------------------------------------------------------

  @Test
  void handshakeChecks() throws Exception {
    start(LivePushServer.builder(),
        WebSocketTransport.builder().allowedOrigins("https://app.example").build());
    try (RawWs r = new RawWs(server.port())) {
      String head = r.request(RawWs.upgrade("/ws", "Origin: https://evil.example", RawWs.GOOD[0], RawWs.GOOD[1],
          RawWs.GOOD[2], RawWs.GOOD[3]));
      assertThat(head).startsWith("HTTP/1.1 403");
    }
    try (RawWs r = new RawWs(server.port())) {
      String head = r.request(RawWs.upgrade("/ws", "Origin: https://app.example", RawWs.GOOD[0], RawWs.GOOD[1],
          RawWs.GOOD[2], "Sec-WebSocket-Version: 8"));
      assertThat(head).startsWith("HTTP/1.1 426");
      assertThat(head).containsIgnoringCase("sec-websocket-version: 13");
    }
    try (RawWs r = new RawWs(server.port())) { // no Connection: Upgrade (Netty's handshaker checks it)
      String head = r.request(RawWs.upgrade("/ws", RawWs.GOOD[0], RawWs.GOOD[2], RawWs.GOOD[3]));
      assertThat(head).startsWith("HTTP/1.1 400");
    }
    try (RawWs r = new RawWs(server.port())) { // no Upgrade: websocket
      String head = r.request(RawWs.upgrade("/ws", RawWs.GOOD[1], RawWs.GOOD[2], RawWs.GOOD[3]));
      assertThat(head).startsWith("HTTP/1.1 400");
    }
    try (RawWs r = new RawWs(server.port())) { // no key
      String head = r.request(RawWs.upgrade("/ws", RawWs.GOOD[0], RawWs.GOOD[1], RawWs.GOOD[3]));
      assertThat(head).startsWith("HTTP/1.1 400");
    }
    try (RawWs r = new RawWs(server.port())) { // no version
      String head = r.request(RawWs.upgrade("/ws", RawWs.GOOD[0], RawWs.GOOD[1], RawWs.GOOD[2]));
      assertThat(head).startsWith("HTTP/1.1 400");
    }
    try (RawWs r = new RawWs(server.port())) {
      String head = r.request("POST /ws HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
      assertThat(head).startsWith("HTTP/1.1 405");
    }
    try (RawWs r = new RawWs(server.port())) { // allowed origin, subprotocol selected
      String head = r.request(RawWs.upgrade("/ws", "Origin: https://app.example",
          "Sec-WebSocket-Protocol: livepush.v1", RawWs.GOOD[0], RawWs.GOOD[1], RawWs.GOOD[2], RawWs.GOOD[3]));
      assertThat(head).startsWith("HTTP/1.1 101");
      assertThat(head).containsIgnoringCase("sec-websocket-protocol: livepush.v1");
    }
    assertThat(server.connectionCount()).isLessThanOrEqualTo(1);
  }

  @Test
  void defaultOriginPolicyIsSameOriginAndMissingOriginAllowed() throws Exception {
    startDefault();
    try (RawWs r = new RawWs(server.port())) {
      String head = r.request(RawWs.upgrade("/ws", "Origin: http://127.0.0.1", RawWs.GOOD[0], RawWs.GOOD[1], RawWs.GOOD[2], RawWs.GOOD[3]));
      assertThat(head).startsWith("HTTP/1.1 101");
    }
    try (RawWs r = new RawWs(server.port())) {
      String head = r.request(RawWs.upgrade("/ws", "Origin: http://other.example", RawWs.GOOD[0], RawWs.GOOD[1], RawWs.GOOD[2], RawWs.GOOD[3]));
      assertThat(head).startsWith("HTTP/1.1 403");
    }
  }
}
