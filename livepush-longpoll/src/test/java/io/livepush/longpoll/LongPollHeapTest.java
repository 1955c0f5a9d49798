package io.livepush.longpoll;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.LivePushServer;
import io.livepush.testing.Heap;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Memory of held polls: {@value #POLLS} polls held at once cost a bounded amount of heap each (server side plus the
 * test's own sockets), and all of it returns when their clients go away. Prints the figure; the bound is tolerant
 * (a measurement, not a benchmark: docs/benchmarks.md).
 */
class LongPollHeapTest {
  private static final int POLLS = 500;

  @Test
  void heldPollsCostBoundedHeapAndGiveItBack() throws Exception {
    // Held until their clients go, however long opening 500 of them takes on a loaded machine.
    LongPollTransport transport = LongPollTransport.builder().path("/poll")
        .timeout(LongPollIntegrationTest.LONGEST_HOLD).build();
    try (LivePushServer server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .transport(transport).build()) {
      server.start().join();
      byte[] request = "GET /poll?topic=a&topic=b HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
      List<Socket> sockets = new ArrayList<>();
      // Warm up the code paths once so their classes are not counted.
      hold(server, request, sockets, 20);
      close(sockets);
      LongPollIntegrationTest.await(() -> server.stats().connections() == 0);
      long before = Heap.usedAfterGc();
      hold(server, request, sockets, POLLS);
      long held = Heap.usedAfterGc();
      long perPoll = (held - before) / POLLS;
      System.out.printf("LongPollHeapTest: %d held polls, %d bytes of heap each (server and test sockets)%n",
          POLLS, perPoll);
      assertThat(perPoll).isLessThan(16 * 1024);
      close(sockets);
      LongPollIntegrationTest.await(() -> server.stats().connections() == 0 && transport.polls() == 0);
    }
  }

  private static void hold(LivePushServer server, byte[] request, List<Socket> sockets, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      Socket s = new Socket("127.0.0.1", server.port());
      OutputStream out = s.getOutputStream();
      out.write(request);
      out.flush();
      sockets.add(s);
    }
    LongPollIntegrationTest.awaitHeld(server, n, 2); // subscribed too: their subscriptions are in the figure
  }

  private static void close(List<Socket> sockets) throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    sockets.clear();
  }
}
