package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.ReplayConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One event loop ({@code ioThreads(1)}), so every connection shares the loop's one read handle
 * ({@code LoopReadAllocator}): many clients send their requests a byte at a time, interleaved round robin, with
 * garbage-sending clients and pipelined requests among them. Every request is parsed as its own client sent it:
 * each stream replays its own topic, garbage gets a 400, a 404 with a pipelined request behind it is answered and the connection closed as announced (break7: held).
 */
class OneLoopInterleavedReadsTest {
  private static final int STREAMS = 24;
  private LivePushServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static int contentLength(String head) {
    for (String line : head.split("\r\n")) {
      if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
        return Integer.parseInt(line.substring(15).trim());
      }
    }
    return -1;
  }

  /** Reads SSE lines until a data line; returns "id|data". */
  private static String firstEvent(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    String id = null;
    while (true) {
      int b = in.read();
      assertThat(b).as("stream ended before an event").isNotNegative();
      if (b == '\n') {
        String l = line.toString();
        if (l.startsWith("id:")) {
          id = l.substring(3).trim();
        } else if (l.startsWith("data:")) {
          return id + "|" + l.substring(5).trim();
        }
        line.setLength(0);
      } else {
        line.append((char) b);
      }
    }
  }

  @Test
  void interleavedByteAtATimeRequestsOnOneLoopAreEachParsedAsSent() throws Exception {
    server = LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(1).shutdownDrain(Duration.ZERO)
        .replay(ReplayConfig.builder().build())
        .transport(SseTransport.builder().multiTopicPath("/events").build()).build();
    server.start().join();
    List<EventId> ids = new ArrayList<>();
    for (int i = 0; i < STREAMS; i++) {
      ids.add(server.publish("t" + i, Event.text("payload-" + i)));
    }
    List<Socket> sockets = new ArrayList<>();
    List<byte[]> requests = new ArrayList<>();
    try {
      for (int i = 0; i < STREAMS + 8; i++) {
        Socket s = new Socket("127.0.0.1", server.port());
        s.setTcpNoDelay(true);
        s.setSoTimeout(30_000);
        sockets.add(s);
        String request;
        if (i < STREAMS && i % 3 == 0) {
          // Pipelined: a 404 first, then the stream on the same connection.
          request = "GET /nope-" + i + " HTTP/1.1\r\nHost: x\r\n\r\n"
              + "GET /events?topic=t" + i + " HTTP/1.1\r\nHost: x\r\nLast-Event-ID: earliest\r\n\r\n";
        } else if (i < STREAMS) {
          request = "GET /events?topic=t" + i + " HTTP/1.1\r\nHost: x\r\nLast-Event-ID:  earliest\t\r\n"
              + "X-Pad: " + "p".repeat(i * 7) + "\r\n\r\n";
        } else {
          request = "\u0016\u0003\u0001garbage \u00ff\u0000 /events?topic=t0 HTTP/1.1\r\nHost: x\r\n\r\n";
        }
        requests.add(request.getBytes(StandardCharsets.ISO_8859_1));
      }
      Set<Integer> cut = new HashSet<>();
      int longest = requests.stream().mapToInt(r -> r.length).max().orElseThrow();
      for (int at = 0; at < longest; at++) {
        for (int i = 0; i < sockets.size(); i++) {
          byte[] r = requests.get(i);
          if (at < r.length && !cut.contains(i)) {
            try {
              sockets.get(i).getOutputStream().write(r[at]);
              sockets.get(i).getOutputStream().flush();
            } catch (IOException reset) {
              // Only a garbage client or one pipelining behind a 404 may be cut while it still sends: the server
              // answers (400, or 404 with Connection: close) and closes, and our later bytes then meet a reset.
              assertThat(i >= STREAMS || i % 3 == 0).as("stream client %s was cut: %s", i, reset).isTrue();
              cut.add(i);
            }
          }
        }
      }
      for (int i = 0; i < sockets.size(); i++) {
        InputStream in = sockets.get(i).getInputStream();
        if (i >= STREAMS) {
          try {
            assertThat(ResumeIdHostileTest.readHead(in)).as("garbage client %s", i).startsWith("HTTP/1.1 400 ");
          } catch (IOException reset) {
            assertThat(cut).as("read reset without a write cut: %s", reset).contains(i); // the 400 lost to the RST
          }
          continue;
        }
        String head;
        try {
          head = ResumeIdHostileTest.readHead(in);
        } catch (IOException reset) {
          // The 404 lost to the reset our bytes after its close caused.
          assertThat(i % 3).as("stream %s reset: %s", i, reset).isZero();
          continue;
        }
        if (i % 3 == 0) {
          assertThat(head).as("pipelined first answer %s", i).startsWith("HTTP/1.1 404 ");
          // A 404 announces Connection: close (RFC 9112 §9.6), so the pipelined stream request is not answered:
          // the 404's body, then the end of the connection.
          assertThat(head.toLowerCase()).contains("connection: close");
          try {
            assertThat(new String(in.readNBytes(contentLength(head)), StandardCharsets.UTF_8)).isNotEmpty();
            assertThat(in.read()).as("closed after the 404").isNegative();
          } catch (IOException reset) {
            // our pipelined bytes reached the closed connection: the reset may overtake the rest
          }
          continue;
        }
        assertThat(head).as("stream %s", i).startsWith("HTTP/1.1 200 ");
        assertThat(firstEvent(in)).as("stream %s replays its own topic", i).isEqualTo(ids.get(i) + "|payload-" + i);
      }
      // Live delivery on every stream after the interleaving.
      for (int i = 0; i < STREAMS; i++) {
        server.publish("t" + i, Event.text("live-" + i));
      }
      for (int i = 0; i < STREAMS; i++) {
        if (i % 3 == 0) {
          continue;
        }
        // After the replay the stream may carry its position block (protocol.md, "The SSE position block") before the live event.
        String event = firstEvent(sockets.get(i).getInputStream());
        if (!event.endsWith("|live-" + i)) {
          assertThat(event).as("control event on %s", i).doesNotContain("live-").doesNotContain("payload-");
          event = firstEvent(sockets.get(i).getInputStream());
        }
        assertThat(event).as("live %s", i).endsWith("|live-" + i);
      }
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }
}
