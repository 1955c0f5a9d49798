package io.livepush.longpoll;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.ReplayConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile long-poll requests on raw HTTP/1.1 sockets: CR/LF and U+010A (whose low byte is LF) in {@code lastEventId}
 * and {@code topic}, a request line far over the bound, more topics than a connection may follow, and a poller that
 * never reads its (large) answer. Each is refused or bounded, nothing of it reaches a response head, and the server
 * keeps serving.
 */
class LongPollHostileInputTest {
  private static final int BIG_EVENT = 512 * 1024;
  private LivePushServer server;
  private LongPollTransport transport;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private void start() {
    transport = LongPollTransport.builder().path("/poll").timeout(LongPollIntegrationTest.LONGEST_HOLD)
        .maxBatchBytes(16 << 20).build();
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .heartbeatInterval(Duration.ofSeconds(1)).heartbeatTimeout(Duration.ofSeconds(1))
        .replay(ReplayConfig.builder().maxBytesPerTopic(32 << 20).build())
        .transport(transport).build();
    server.start().join();
  }

  /** Sends one request line (and Host) and reads the whole answer: every answer here closes its connection. */
  private String exchange(String target) throws IOException {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout((int) LongPollIntegrationTest.HANG_GUARD.toMillis());
      s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The answer's head: its status line and fields, up to the blank line. */
  private static String head(String answer) {
    int end = answer.indexOf("\r\n\r\n");
    assertThat(end).as("a complete head in: %s", answer).isPositive();
    return answer.substring(0, end + 2);
  }

  private static void assertRefused(String answer, int status) {
    String head = head(answer);
    assertThat(head).as(answer).startsWith("HTTP/1.1 " + status + " ");
    // Every head line is one of ours: no field a hostile value could have added.
    for (String line : head.split("\r\n")) {
      assertThat(line).matches("(?i)HTTP/1\\.1 .*|(content-type|content-length|cache-control|x-content-type-options"
          + "|connection): .*");
    }
    String body = answer.substring(head.length() + 2);
    assertThat(body).as("one line of text, nothing of the value's controls").matches("[\\x20-\\x7e]*\n");
  }

  @Test
  void controlsAndU010AInLastEventIdOrTopicAreRefusedAndNeverReachAHead() throws Exception {
    start();
    String[] targets = {
        "/poll?topic=a&lastEventId=1-5%0D%0ASet-Cookie:%20x=1",
        "/poll?topic=a&lastEventId=1-5%C4%8A", // U+010A: its low byte is LF
        "/poll?topic=a&lastEventId=%0A",
        "/poll?topic=a&lastEventId=1-5%00",
        "/poll?topic=a%0D%0Aevent:%20x",
        "/poll?topic=a%C4%8A",
        "/poll?topic=%0A",
        "/poll?topic=a%00b",
    };
    for (String target : targets) {
      assertRefused(exchange(target), 400);
    }
    // A refused poll's slot is given back when its connection closes after the answer, which the client may
    // read first: await it.
    LongPollIntegrationTest.await(() -> transport.polls() == 0);
    assertThat(transport.polls()).as("no poll slot taken").isZero();
    // The same request without the controls is served.
    EventId id = server.publish("a", Event.text("x"));
    assertThat(exchange("/poll?topic=a&lastEventId=earliest")).contains("\"position\":\"" + id + "\"");
  }

  /**
   * Spaces and tabs around an id are optional whitespace and ignored; CR, LF or NUL around it (which
   * {@link String#trim} would drop) make it malformed: 400, and nothing of it is echoed.
   */
  @Test
  void controlsAroundAnIdAreRefusedSpacesAreNot() throws Exception {
    start();
    EventId first = server.publish("a", Event.text("1"));
    EventId second = server.publish("a", Event.text("2"));
    for (String around : new String[] {"%0D%0AX-Injected:%201", "%0D%0A", "%00"}) {
      assertRefused(exchange("/poll?topic=a&lastEventId=" + first + around), 400);
      assertRefused(exchange("/poll?topic=a&lastEventId=" + around + first), 400);
    }
    String answer = exchange("/poll?topic=a&lastEventId=%20%09" + first + "%20");
    assertThat(head(answer)).startsWith("HTTP/1.1 200 ");
    assertThat(answer).endsWith("{\"events\":[{\"id\":\"" + second + "\",\"topic\":\"a\",\"event\":null,"
        + "\"data\":\"2\"}],\"position\":\"" + second + "\"}");
  }

  @Test
  void aHugeRequestLineGets414AndTooManyTopics400() throws Exception {
    start();
    // Just over the 4096-byte bound: read whole before the answer, so the 414 arrives (not a reset).
    assertRefused(exchange("/poll?topic=a&pad=" + "x".repeat(4200)), 414);
    // Far over it: the server may close while the rest is still arriving (then the client sees a reset, not the
    // 414); either way the line is never buffered whole and no poll is taken.
    try {
      String answer = exchange("/poll?topic=a&pad=" + "x".repeat(1 << 20));
      assertThat(answer).satisfiesAnyOf(a -> assertThat(a).isEmpty(), a -> assertRefused(a, 414));
    } catch (IOException reset) {
      // the connection was closed under the client's writes
    }
    StringBuilder many = new StringBuilder("/poll?topic=t0");
    for (int i = 1; i < 300; i++) {
      many.append("&topic=t").append(i); // under the 4096-byte line, over the 64 topics a connection may follow
    }
    assertThat(many.length()).isLessThan(4000);
    assertRefused(exchange(many.toString()), 400);
    LongPollIntegrationTest.await(() -> transport.polls() == 0); // given back as the connection closes
    assertThat(transport.polls()).isZero();
    EventId id = server.publish("a", Event.text("x"));
    assertThat(exchange("/poll?topic=a&lastEventId=earliest")).contains("\"position\":\"" + id + "\"");
  }

  /**
   * A poller that asks for 16 MiB of backlog and never reads (a 1 KiB receive window): more than the kernel's
   * buffers take, so the answer's last bytes cannot leave. The connection is cut after the stall bound (heartbeat
   * interval + timeout), its poll and connection slots come back, and the server keeps answering others.
   */
  @Test
  void aPollerThatNeverReadsItsAnswerIsCutAndGivesItsSlotsBack() throws Exception {
    start();
    String pad = "x".repeat(BIG_EVENT);
    for (int i = 0; i < 32; i++) {
      server.publish("big", Event.text(pad));
    }
    try (Socket stalled = new Socket()) {
      stalled.setReceiveBufferSize(1024); // before connect, so the advertised window stays small
      stalled.connect(new InetSocketAddress("127.0.0.1", server.port()));
      OutputStream out = stalled.getOutputStream();
      out.write("GET /poll?topic=big&lastEventId=earliest HTTP/1.1\r\nHost: x\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      LongPollIntegrationTest.await(() -> server.stats().subscribes() == 1); // admitted: its answer is on the way
      LongPollIntegrationTest.await(() -> transport.polls() == 0 && server.stats().connections() == 0);
      // Cut, not completed: what the server sent is far less than the answer, and the socket is at its end.
      stalled.setSoTimeout((int) LongPollIntegrationTest.HANG_GUARD.toMillis());
      InputStream in = stalled.getInputStream();
      long read = 0;
      byte[] buf = new byte[64 * 1024];
      try {
        for (int n; (n = in.read(buf)) >= 0; ) {
          read += n;
        }
      } catch (IOException reset) {
        // a reset after the cut is as good as the end
      }
      assertThat(read).as("bytes that reached the stalled poller").isLessThan(32L * BIG_EVENT);
    }
    EventId id = server.publish("a", Event.text("x"));
    assertThat(exchange("/poll?topic=a&lastEventId=earliest")).contains("\"position\":\"" + id + "\"");
  }
}
