package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.AuthResult;
import io.livepush.Authenticator;
import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.Principal;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Autobahn case 5.19 (and 5.20, the same sent frame by frame) on a raw socket, against the conditions that make
 * a connection stop being read: the connection keeps being read after the upgrade, across a pause in the middle
 * of a fragmented message, with the admission stage completing on another thread, with the connection's event
 * loop busy with another connection's large frame, and (livepush.v1) after a replay over the outbound budget
 * paused reading. Every expectation awaits the server's frames; the only waits are the client's pauses between
 * its frames, which are the case's protocol timing.
 */
class FragmentsAcrossPausesTest {
  private static final String[] FRAGMENTS = {"fragment1", "fragment2", "fragment3", "fragment4", "fragment5"};
  private static final int PONG = 0xA;
  private static final int TEXT = 0x1;
  private static final int CLOSE = 0x8;

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private LivePushServer started(LivePushServer.Builder b) {
    LivePushServer server = b.build();
    closeables.add(server);
    server.start().join();
    return server;
  }

  private RawWs connect(LivePushServer server) throws IOException {
    RawWs ws = new RawWs(server.port());
    closeables.add(ws);
    ws.handshake("/");
    return ws;
  }

  @Test
  void caseFiveNineteenWithItsOneSecondPause() throws Exception {
    LivePushServer server = started(AutobahnEchoServer.builder(0));
    caseFiveNineteen(connect(server), 1000);
  }

  @Test
  void admissionCompletingOnAnotherThreadLeavesTheConnectionReading() throws Exception {
    BlockingQueue<CompletableFuture<AuthResult>> pending = new LinkedBlockingQueue<>();
    LivePushServer server = started(AutobahnEchoServer.builder(0).authenticator(Authenticator.async(request -> {
      CompletableFuture<AuthResult> decision = new CompletableFuture<>();
      pending.add(decision);
      return decision;
    })));
    for (int i = 0; i < Integer.getInteger("livepush.case519.runs", 5); i++) {
      RawWs ws = new RawWs(server.port());
      closeables.add(ws);
      ws.out.write(RawWs.upgrade("/", RawWs.GOOD).getBytes(StandardCharsets.ISO_8859_1));
      ws.out.flush();
      CompletableFuture<AuthResult> decision = pending.poll(10, TimeUnit.SECONDS);
      assertThat(decision).as("the authenticator was asked").isNotNull();
      // Completed here, on the test's thread: the stage comes back to the loop after the request was read.
      decision.complete(AuthResult.allow(Principal.ANONYMOUS));
      assertThat(RawWs.readHead(ws.in)).startsWith("HTTP/1.1 101");
      caseFiveNineteen(ws, 20);
    }
  }

  @Test
  void aLoopBusyWithAnotherConnectionsLargeFrameReadsTheCaseOnceItIsFree() throws Exception {
    // One event loop: the case's connection shares it with the connection sending the large frame, as two
    // Autobahn runs sharing one server did when 5.19 failed (a 4 MiB frame of case 9.1.4 on the same loop).
    LivePushServer server = started(AutobahnEchoServer.builder(0).ioThreads(1));
    RawWs ws = connect(server);
    RawWs large = connect(server);
    large.socket.setSoTimeout(120_000);
    ws.socket.setSoTimeout(120_000);
    byte[] payload = "x".repeat(256 * 1024).getBytes(StandardCharsets.US_ASCII);
    caseFiveNineteen(ws, () -> large.frame(true, TEXT, payload, true));
    RawWs.Frame echo = large.readFrame();
    assertThat(echo.opcode).isEqualTo(TEXT);
    assertThat(echo.payload).hasSize(payload.length);
  }

  @Test
  void livepushV1ReadsAgainAfterAReplayOverTheBudgetPausedReading() throws Exception {
    LivePushServer server = started(LivePushServer.builder().host("127.0.0.1").port(0)
        .shutdownDrain(java.time.Duration.ZERO)
        .maxPendingOutboundBytes(8 * 1024)
        // Asked on the blocking executor: the subscribe's authorization completes on another thread.
        .topicAuthorizer((request, topic) -> true)
        .transport(WebSocketTransport.builder().path("/")
            .messageHandler(WebSocketMessageHandler.nonBlocking((c, m) -> c.ack(m.ref())))
            .build()));
    int events = 200;
    String data = "y".repeat(1000);
    for (int i = 0; i < events; i++) {
      server.publish("t", Event.text(data));
    }
    Socket s = new Socket();
    s.setReceiveBufferSize(4096); // the replay fills it, so the server goes over its budget and stops reading
    s.connect(new InetSocketAddress("127.0.0.1", server.port()));
    RawWs ws = new RawWs(s);
    closeables.add(ws);
    ws.handshake("/");
    ws.frame(true, TEXT, bytes("{\"type\":\"subscribe\",\"topics\":[\"t\"],\"from\":\"earliest\",\"ref\":\"s\"}"),
        true);
    String message = "{\"type\":\"message\",\"data\":\"fragment\",\"ref\":\"m\"}";
    int third = message.length() / 3;
    ws.frame(false, TEXT, bytes(message.substring(0, third)), true);
    ws.frame(true, 0x9, bytes("pongme 1!"), true);
    ws.frame(false, 0x0, bytes(message.substring(third, 2 * third)), true);
    ws.frame(true, 0x9, bytes("pongme 2!"), true);
    ws.frame(true, 0x0, bytes(message.substring(2 * third)), true);
    // Now read: the replay, its marker, the latest pong at least (RFC 6455 §5.5.3) and the message's ack.
    int replayed = 0;
    List<String> pongs = new ArrayList<>();
    boolean subscribed = false;
    for (;;) {
      RawWs.Frame f = ws.readFrame();
      if (f.opcode == PONG) {
        pongs.add(text(f));
        continue;
      }
      assertThat(f.opcode).isEqualTo(TEXT);
      String t = text(f);
      if (t.contains("\"type\":\"subscribed\"")) {
        subscribed = true;
      } else if (t.contains("\"type\":\"ack\"")) {
        assertThat(t).contains("\"ref\":\"m\"");
        break;
      } else if (t.contains(data)) {
        replayed++;
      }
    }
    assertThat(replayed).isEqualTo(events);
    assertThat(subscribed).isTrue();
    assertThat(pongs).isNotEmpty().endsWith("pongme 2!");
    closeNormally(ws);
  }

  /** Case 5.19 with {@code pauseMillis} between its two parts. */
  private static void caseFiveNineteen(RawWs ws, long pauseMillis) throws Exception {
    caseFiveNineteen(ws, () -> Thread.sleep(pauseMillis)); // the case's protocol timing, not synchronisation
  }

  /**
   * Text fragments 1 and 2 and a ping, whose pong must come before the message is complete; {@code between};
   * fragments 3 and 4, a ping and the final fragment 5: the pong, then the whole message echoed; then the close
   * handshake (RFC 6455 §5.4: control frames may be injected in the middle of a fragmented message).
   */
  private static void caseFiveNineteen(RawWs ws, Between between) throws Exception {
    ws.frame(false, TEXT, bytes(FRAGMENTS[0]), true);
    ws.frame(false, 0x0, bytes(FRAGMENTS[1]), true);
    ws.frame(true, 0x9, bytes("pongme 1!"), true);
    expect(ws.readFrame(), PONG, "pongme 1!");
    between.run();
    ws.frame(false, 0x0, bytes(FRAGMENTS[2]), true);
    ws.frame(false, 0x0, bytes(FRAGMENTS[3]), true);
    ws.frame(true, 0x9, bytes("pongme 2!"), true);
    ws.frame(true, 0x0, bytes(FRAGMENTS[4]), true);
    expect(ws.readFrame(), PONG, "pongme 2!");
    expect(ws.readFrame(), TEXT, String.join("", FRAGMENTS));
    closeNormally(ws);
  }

  /** Sends close 1000 and expects close 1000 back, then the end of the stream. */
  private static void closeNormally(RawWs ws) throws IOException {
    ws.frame(true, CLOSE, new byte[] {0x03, (byte) 0xE8}, true);
    RawWs.Frame close = ws.readFrame();
    while (close.opcode != CLOSE) { // livepush.v1: pongs may still be on their way
      close = ws.readFrame();
    }
    assertThat(close.closeCode()).isEqualTo(1000);
    assertThat(ws.in.read()).as("TCP closed after the close handshake").isEqualTo(-1);
  }

  private static void expect(RawWs.Frame f, int opcode, String payload) {
    assertThat(f.opcode).as("opcode of %s", text(f)).isEqualTo(opcode);
    assertThat(text(f)).isEqualTo(payload);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(RawWs.Frame f) {
    return new String(f.payload, StandardCharsets.UTF_8);
  }

  @FunctionalInterface
  private interface Between {
    void run() throws Exception;
  }
}
