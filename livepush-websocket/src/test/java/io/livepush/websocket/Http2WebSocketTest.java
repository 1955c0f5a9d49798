package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.fixtures.LiveServer;
import io.livepush.testing.RawH2;
import io.livepush.testing.RawH2.Frame;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * WebSocket over HTTP/2 (RFC 8441) on cleartext h2c with prior knowledge, with hand-written frames
 * ({@link RawH2}): the server advertises {@code SETTINGS_ENABLE_CONNECT_PROTOCOL}, an extended CONNECT gets the
 * same guards as the HTTP/1.1 upgrade, and an accepted one carries livepush.v1 in RFC 6455 frames inside DATA
 * frames, next to other streams of the connection. (Chromium over TLS: {@code Http2BrowserTest} in the examples.)
 */
class Http2WebSocketTest {
  private static final int ENABLE_CONNECT_PROTOCOL = 0x8;
  @RegisterExtension final LiveServer fixture = new LiveServer();
  private LivePushServer server;

  private void start() {
    server = fixture.start(LivePushServer.builder().ioThreads(1)
        .transport(WebSocketTransport.builder().allowedOrigins("https://app.example").build()));
  }

  private static Http2Headers connect(String origin, String version) {
    Http2Headers h = RawH2.request("CONNECT", "/ws").set(":protocol", "websocket")
        .set("sec-websocket-protocol", "livepush.v1");
    if (origin != null) {
      h.set("origin", origin);
    }
    if (version != null) {
      h.set("sec-websocket-version", version);
    }
    return h;
  }

  @Test
  void theServerAdvertisesExtendedConnectAndAnAcceptedStreamSpeaksLivepushV1() throws Exception {
    start();
    try (RawH2 c = RawH2.connect(server.port(), true)) {
      Frame settings = c.await(f -> f.type() == RawH2.SETTINGS && (f.flags() & RawH2.ACK) == 0);
      assertThat(setting(settings.payload(), ENABLE_CONNECT_PROTOCOL)).isEqualTo(1);

      c.frame(RawH2.HEADERS, RawH2.END_HEADERS, 1, c.block(connect("https://app.example", "13")));
      Frame head = c.await(f -> f.type() == RawH2.HEADERS && f.stream() == 1);
      assertThat(head.headers().status().toString()).isEqualTo("200");
      assertThat(head.headers().get("sec-websocket-protocol").toString()).isEqualTo("livepush.v1");
      assertThat(head.endStream()).isFalse();

      c.frame(RawH2.DATA, 0, 1, maskedText("{\"type\":\"subscribe\",\"topics\":[\"t\"],\"ref\":\"r1\"}"));
      c.awaitText(1, "\"type\":\"subscribed\"");
      server.publish("t", Event.text("over h2"));
      c.awaitText(1, "\"data\":\"over h2\"");

      // a close frame (1000): the server answers with its own (RFC 6455 §5.5.1), then ends the stream; the client
      // has not ended its side, so the stream channel's close resets it (CANCEL, RFC 8441 §4: like a TCP RST
      // after the close handshake)
      c.frame(RawH2.DATA, 0, 1, masked(0x88, ByteBuffer.allocate(2).putShort((short) 1000).array()));
      Frame close = c.await(f -> f.type() == RawH2.DATA && f.stream() == 1 && f.payload().length > 0
          && (f.payload()[0] & 0xff) == 0x88);
      assertThat(close.payload()).containsExactly(0x88, 2, 0x03, 0xe8);
      Frame end = c.await(f -> f.stream() == 1 && (f.type() == RawH2.RST_STREAM || f.endStream()));
      if (end.type() == RawH2.RST_STREAM) {
        assertThat(end.errorCode()).isEqualTo(8); // CANCEL
      }
    }
  }

  @Test
  void anExtendedConnectMeetsTheUpgradesGuards() throws Exception {
    start();
    try (RawH2 c = RawH2.connect(server.port(), true)) {
      c.frame(RawH2.HEADERS, RawH2.END_HEADERS, 1, c.block(connect("https://evil.example", "13")));
      assertThat(status(c, 1)).isEqualTo("403");
      c.frame(RawH2.HEADERS, RawH2.END_HEADERS, 3, c.block(connect("https://app.example", null)));
      Frame f = c.await(x -> x.type() == RawH2.HEADERS && x.stream() == 3);
      assertThat(f.headers().status().toString()).isEqualTo("426");
      assertThat(f.headers().get("sec-websocket-version").toString()).isEqualTo("13");
      // CONNECT without :protocol is a proxy request: not served
      c.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 5,
          c.block(new io.netty.handler.codec.http2.DefaultHttp2Headers().method("CONNECT").authority("x:443")));
      assertThat(status(c, 5)).isEqualTo("405");
      // the connection still serves a good one
      c.frame(RawH2.HEADERS, RawH2.END_HEADERS, 7, c.block(connect("https://app.example", "13")));
      assertThat(status(c, 7)).isEqualTo("200");
    }
  }

  /**
   * One WebSocket stream of a connection whose client never returns its window (RFC 9113 §6.9): it meets the slow
   * consumer policy (close 1008 queued behind the window, then RST_STREAM) while the WebSocket next to it on the
   * same connection, whose window is returned, receives every event.
   */
  @Test
  void aWebSocketStreamWhoseWindowIsNeverReturnedIsCutWhileItsNeighbourReceivesEverything() throws Exception {
    java.util.concurrent.BlockingQueue<io.livepush.CloseReason> closes = new java.util.concurrent.LinkedBlockingQueue<>();
    server = fixture.start(LivePushServer.builder().ioThreads(1).maxPendingOutboundBytes(32 * 1024)
        .connectionListener(io.livepush.ConnectionListener.nonBlocking(new io.livepush.ConnectionListener() {
          @Override
          public void onClose(io.livepush.ConnectionInfo c, io.livepush.CloseReason reason) {
            closes.add(reason);
          }
        }))
        .transport(WebSocketTransport.builder().allowedOrigins("https://app.example").build()));
    String big = "x".repeat(8_000);
    try (RawH2 c = RawH2.connect(server.port(), true)) {
      c.windowUpdate(0, 64 << 20); // the connection window is not what stalls stream 1
      c.replenished.add(3);
      for (int stream : new int[] {1, 3}) {
        c.frame(RawH2.HEADERS, RawH2.END_HEADERS, stream, c.block(connect("https://app.example", "13")));
        assertThat(status(c, stream)).isEqualTo("200");
        c.frame(RawH2.DATA, 0, stream, maskedText("{\"type\":\"subscribe\",\"topics\":[\"t\"],\"ref\":\"r\"}"));
        c.awaitText(stream, "\"type\":\"subscribed\"");
      }
      Frame reset = null;
      int published = 0;
      while (reset == null && published < 500) { // a bound, not a figure
        String id = server.publish("t", Event.text(published + big)).toString();
        published++;
        while (!c.text.get(3).toString().contains("\"id\":\"" + id + "\"")) {
          Frame f = c.read();
          assertThat(f).isNotNull();
          if (f.type() == RawH2.RST_STREAM && f.stream() == 1) {
            reset = f;
          }
        }
      }
      assertThat(reset).as("stream 1 reset after %d events", published).isNotNull();
      assertThat(reset.errorCode()).isEqualTo(0x8); // CANCEL
      assertThat(closes.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(io.livepush.CloseReason.SLOW_CONSUMER);
      String last = server.publish("t", Event.text("after")).toString();
      c.awaitText(3, "\"id\":\"" + last + "\"");
      assertThat(server.stats().connections()).isEqualTo(1);
    }
  }

  private static String status(RawH2 c, int stream) throws Exception {
    return c.await(f -> f.type() == RawH2.HEADERS && f.stream() == stream).headers().status().toString();
  }

  /** The value of {@code id} in a SETTINGS payload (RFC 9113 §6.5.1), or -1. */
  private static long setting(byte[] payload, int id) {
    ByteBuffer b = ByteBuffer.wrap(payload);
    while (b.remaining() >= 6) {
      int key = b.getShort() & 0xffff;
      long value = Integer.toUnsignedLong(b.getInt());
      if (key == id) {
        return value;
      }
    }
    return -1;
  }

  private static byte[] maskedText(String text) {
    return masked(0x81, text.getBytes(StandardCharsets.UTF_8));
  }

  /** One final client frame (RFC 6455 §5.2), masked as clients must; payload under 126 bytes. */
  private static byte[] masked(int firstByte, byte[] payload) {
    byte[] mask = {0x11, 0x22, 0x33, 0x44};
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(firstByte);
    out.write(0x80 | payload.length);
    out.writeBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      out.write(payload[i] ^ mask[i % 4]);
    }
    return out.toByteArray();
  }
}
