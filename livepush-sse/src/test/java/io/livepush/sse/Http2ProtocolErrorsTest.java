package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.LivePushServer;
import io.livepush.testing.RawH2;
import io.livepush.testing.RawH2.Frame;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile HTTP/2 input gets its RFC 9113 §7 error code and the connection closes, with bounded memory (the limits
 * are those of {@code Http2Connections}: header list 8 KiB, 16 small CONTINUATIONs, 200 RST_STREAM per 30 s).
 * Raw frames on a socket; the server is shared, every test opens its own connection.
 *
 * <p>PING and SETTINGS floods (RFC 9113 §10.5): every such frame asks for an acknowledgement, and a client that
 * does not read makes them pile up once the server's socket buffer is full. Netty's encoder lets at most 1000
 * control frames wait, then writes GOAWAY ENHANCE_YOUR_CALM and closes the connection at once: the GOAWAY waits
 * behind the unread acknowledgements, so a client that does not read never sees it, and the close of a socket
 * with unread input resets it. What the client can see, and these tests assert: the server closes the connection
 * (with an SSE stream open, so the idle-connection guard is not the reason) after acknowledging fewer frames than
 * were sent.
 */
class Http2ProtocolErrorsTest {
  static final long PROTOCOL_ERROR = 0x1;
  static final long COMPRESSION_ERROR = 0x9;
  /** Far more than a 4 MiB socket buffer and 1000 queued acknowledgements hold (51 MB of PINGs). */
  static final long MAX_FLOOD_FRAMES = 3_000_000;
  static final long ENHANCE_YOUR_CALM = 0xb;
  private static LivePushServer server;

  @BeforeAll
  static void start() {
    server = LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(1)
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()).build();
    server.start().join();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aFirstFrameOtherThanSettingsIsAProtocolError() throws Exception {
    try (RawH2 c = RawH2.connect(server.port(), false)) {
      c.raw(RawH2.PREFACE);
      c.frame(RawH2.PING, 0, 0, new byte[8]);
      assertGoAway(c, PROTOCOL_ERROR);
    }
  }

  @Test
  void aBrokenPrefaceIsLeftToHttp11WhichRefusesIt() throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(answer).startsWith("HTTP/1.1 505 ");
    }
  }

  @Test
  void rapidResetGetsEnhanceYourCalm() throws Exception {
    try (RawH2 c = RawH2.connect(server.port(), true)) {
      byte[] headers = c.block(RawH2.request("POST", "/none"));
      ByteArrayOutputStream flood = new ByteArrayOutputStream();
      for (int i = 0; i < 250; i++) {
        int stream = 1 + 2 * i;
        flood.write(RawH2.frameBytes(RawH2.HEADERS, RawH2.END_HEADERS, stream, headers));
        flood.write(RawH2.frameBytes(RawH2.RST_STREAM, 0, stream, new byte[] {0, 0, 0, 0x8}));
      }
      c.raw(flood.toByteArray());
      assertGoAway(c, ENHANCE_YOUR_CALM);
    }
  }

  @Test
  void aContinuationFloodGetsEnhanceYourCalm() throws Exception {
    try (RawH2 c = RawH2.connect(server.port(), true)) {
      byte[] block = c.block(RawH2.request("GET", "/m/1"));
      c.frame(RawH2.HEADERS, RawH2.END_STREAM, 1, block); // no END_HEADERS: CONTINUATION frames follow
      ByteArrayOutputStream flood = new ByteArrayOutputStream();
      for (int i = 0; i < 100; i++) {
        flood.write(RawH2.frameBytes(RawH2.CONTINUATION, 0, 1, new byte[] {0}));
      }
      c.raw(flood.toByteArray());
      assertGoAway(c, ENHANCE_YOUR_CALM);
    }
  }

  @Test
  void aHeaderBlockBeyondTheListLimitIsAProtocolError() throws Exception {
    try (RawH2 c = RawH2.connect(server.port(), true)) {
      Http2Headers h = RawH2.request("GET", "/m/1").add("x-big", "x".repeat(16_000));
      c.frame(RawH2.HEADERS, RawH2.END_STREAM | RawH2.END_HEADERS, 1, c.block(h));
      assertGoAway(c, PROTOCOL_ERROR);
    }
  }

  @Test
  void anHpackBombGets431AndTheConnectionStaysUsable() throws Exception {
    try (RawH2 c = RawH2.connect(server.port(), true)) {
      Http2Headers h = RawH2.request("GET", "/m/1");
      for (int i = 0; i < 100; i++) { // one entry in the dynamic table, then 99 one-byte references to it
        h.add("x-bomb", "y".repeat(4_000));
      }
      byte[] block = c.block(h);
      assertThat(block.length).isLessThan(4_000); // 400 KB of headers once decoded
      c.frame(RawH2.HEADERS, RawH2.END_STREAM | RawH2.END_HEADERS, 1, block);
      Frame answer = c.await(f -> f.type() == RawH2.HEADERS && f.stream() == 1);
      assertThat(answer.headers().status().toString()).isEqualTo("431");
      c.get(3, "/m/1");
      c.awaitText(3, "event: livepush.position");
    }
  }

  @Test
  void aPingFloodFromAClientThatDoesNotReadClosesTheConnection() throws Exception {
    assertFloodCloses(RawH2.frameBytes(RawH2.PING, 0, 0, new byte[8]), RawH2.PING);
  }

  @Test
  void aSettingsFloodFromAClientThatDoesNotReadClosesTheConnection() throws Exception {
    assertFloodCloses(RawH2.frameBytes(RawH2.SETTINGS, 0, 0, new byte[0]), RawH2.SETTINGS);
  }

  /**
   * Opens an SSE stream, then sends batches of {@code frame} without reading until the server closes the connection
   * (a write fails) or {@value #MAX_FLOOD_FRAMES} frames went out; then reads what the server had sent before it
   * closed. The writes run on another thread so that a server that stopped reading without closing fails the test
   * instead of blocking it.
   */
  private static void assertFloodCloses(byte[] frame, int type) throws Exception {
    java.util.concurrent.ExecutorService writer = java.util.concurrent.Executors.newSingleThreadExecutor();
    try (RawH2 c = RawH2.connect(server.port(), true, 4096)) {
      c.get(1, "/m/1");
      c.awaitText(1, "event: livepush.position");
      ByteArrayOutputStream batch = new ByteArrayOutputStream();
      for (int i = 0; i < 1000; i++) {
        batch.write(frame);
      }
      byte[] bytes = batch.toByteArray();
      java.util.concurrent.Future<Long> flood = writer.submit(() -> {
        long sent = 0;
        try {
          while (sent < MAX_FLOOD_FRAMES) {
            c.raw(bytes);
            sent += 1000;
          }
        } catch (java.io.IOException closedByTheServer) {
          // what the test waits for
        }
        return sent;
      });
      long sent;
      try {
        sent = flood.get(600, java.util.concurrent.TimeUnit.SECONDS); // a hang guard: 90 s seen at load 30
      } catch (java.util.concurrent.TimeoutException e) {
        c.close();
        throw new AssertionError("the server neither read the flood nor closed the connection", e);
      }
      assertThat(sent).as("frames sent before the server closed").isLessThan(MAX_FLOOD_FRAMES);
      int[] acks = new int[1];
      try {
        for (Frame f; (f = c.read()) != null; ) {
          if (f.type() == type && (f.flags() & RawH2.ACK) != 0) {
            acks[0]++;
          }
        }
      } catch (java.io.IOException resetByTheServer) {
        // the close of a socket with unread input resets it
      }
      assertThat((long) acks[0]).as("acknowledgements").isLessThan(sent);
    } finally {
      writer.shutdownNow();
    }
  }

  @Test
  void anInvalidHpackIndexIsACompressionError() throws Exception {
    try (RawH2 c = RawH2.connect(server.port(), true)) {
      // an indexed header field (RFC 7541 §6.1) naming entry 126: neither static nor in the empty dynamic table
      c.frame(RawH2.HEADERS, RawH2.END_STREAM | RawH2.END_HEADERS, 1, new byte[] {(byte) 0xfe});
      assertGoAway(c, COMPRESSION_ERROR);
    }
  }

  private static void assertGoAway(RawH2 c, long code) throws Exception {
    Frame goAway = c.await(f -> f.type() == RawH2.GOAWAY);
    assertThat(goAway.errorCode()).as("GOAWAY error code").isEqualTo(code);
    assertThat(c.awaitClosed()).as("closed after GOAWAY").isTrue();
  }
}
