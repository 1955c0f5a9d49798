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
 * <p>Not here: PING and SETTINGS floods (RFC 9113 §10.5; configured, at most 1000 acknowledgements queued).
 * Provoking them means a client that does not read while the server's socket buffer fills; the attempt (600,000
 * PINGs, 1,000,000 SETTINGS) met a connection reset before the GOAWAY could be read, the server closing with
 * the client's flood unread.
 */
class Http2ProtocolErrorsTest {
  static final long PROTOCOL_ERROR = 0x1;
  static final long COMPRESSION_ERROR = 0x9;
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
