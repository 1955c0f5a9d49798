package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepush.LivePushServer;
import java.io.EOFException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Protocol errors on a server with permessage-deflate enabled, on real sockets: the close code (RFC 6455 §7.4.1),
 * and silence afterwards. A raw client sends what real clients refuse to: reserved bits the connection did not
 * negotiate (RFC 6455 §5.2, RFC 7692 §6) and compressed data that does not inflate, then goes on sending; the
 * server logs nothing for any of it.
 */
class WsProtocolErrorsTest {
  private static final int TEXT = 0x1;
  private static final int PING = 0x9;
  private static final int CLOSE = 0x8;
  private static final int RSV1 = 0x40;
  private static final int RSV2 = 0x20;
  private static final int RSV3 = 0x10;
  /** BFINAL=1, BTYPE=11: a reserved DEFLATE block type (RFC 1951 §3.2.3), which zlib refuses. */
  private static final byte[] NOT_DEFLATE = {(byte) 0xFF, (byte) 0xFF, 0x00, 0x01};

  private LivePushServer server;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private void start() {
    server = DeflateNegotiationTest.startDeflateServer();
  }

  /** A raw connection, offering permessage-deflate when {@code deflate}; checks what was negotiated. */
  private RawWs connect(boolean deflate) throws Exception {
    RawWs raw = new RawWs(server.port());
    closeables.add(raw);
    List<String> headers = new ArrayList<>(Arrays.asList(RawWs.GOOD));
    if (deflate) {
      headers.add("Sec-WebSocket-Extensions: permessage-deflate");
    }
    String head = raw.request(RawWs.upgrade("/ws", headers.toArray(new String[0])));
    assertThat(head).startsWith("HTTP/1.1 101");
    assertThat(head.toLowerCase().contains("sec-websocket-extensions: permessage-deflate")).isEqualTo(deflate);
    return raw;
  }

  /**
   * Answers the server's close (if the connection is still open) and waits until the server has dropped TCP:
   * a clean end of stream, or a reset when frames sent after its close were never read.
   */
  private static void finish(RawWs raw) throws Exception {
    assertThatThrownBy(() -> {
      raw.frame(true, CLOSE, new byte[] {0x03, (byte) 0xE8}, true);
      for (;;) {
        raw.readFrame();
      }
    }).isInstanceOfAny(EOFException.class, SocketException.class);
  }

  @Test
  void dataThatDoesNotInflateCloses1007AndLaterFramesAreDiscardedQuietly() throws Exception {
    start();
    try (StderrCapture log = new StderrCapture()) {
      RawWs raw = connect(true);
      for (int i = 0; i < 20; i++) {
        raw.frame(true, RSV1 | TEXT, NOT_DEFLATE, true);
      }
      assertThat(raw.awaitCloseCode()).isEqualTo(CloseCodes.INVALID_PAYLOAD);
      for (int i = 0; i < 20; i++) { // after the close frame too
        raw.frame(true, RSV1 | TEXT, NOT_DEFLATE, true);
      }
      finish(raw);
      assertThat(log.text()).doesNotContain("WsHandler").doesNotContain("Exception");
    }
  }

  @ParameterizedTest(name = "offered deflate {0}, first byte {1}")
  @CsvSource({
      "false, 0xC1", // RSV1 on a text frame without deflate negotiated
      "false, 0xA1", // RSV2
      "true, 0xA1", // RSV2 with deflate negotiated
      "true, 0x91", // RSV3 with deflate negotiated
      "true, 0xE1", // RSV1, RSV2 and RSV3
      "true, 0xC9", // RSV1 on a ping (control frames are never compressed)
      "false, 0xC9",
  })
  void reservedBitNotNegotiatedCloses1002Quietly(boolean deflate, String firstByte) throws Exception {
    start();
    int b0 = Integer.decode(firstByte);
    try (StderrCapture log = new StderrCapture()) {
      RawWs raw = connect(deflate);
      byte[] payload = "{\"type\":\"message\",\"ref\":\"r\"}".getBytes(StandardCharsets.UTF_8);
      // The server closes TCP right after its close frame (as for Netty's own protocol errors), so one frame.
      raw.frame((b0 & 0x80) != 0, b0 & 0x7F, payload, true);
      assertThat(raw.awaitCloseCode()).isEqualTo(CloseCodes.PROTOCOL_ERROR);
      finish(raw);
      assertThat(log.text()).doesNotContain("WsHandler").doesNotContain("Exception");
    }
  }

  @Test
  void reservedBitOnACloseFrameCloses1002AndDropsTcpAtOnce() throws Exception {
    start();
    RawWs raw = connect(true);
    raw.frame(true, RSV2 | RSV3 | CLOSE, new byte[] {0x03, (byte) 0xE8}, true);
    assertThat(raw.awaitCloseCode()).isEqualTo(CloseCodes.PROTOCOL_ERROR);
    // Netty's decoder reads nothing after a close frame, so the server does not wait for an answer.
    assertThatThrownBy(raw::readFrame).isInstanceOf(EOFException.class);
  }

  @Test
  void negotiatedRsv1StillCarriesCompressedMessages() throws Exception {
    start();
    RawWs raw = connect(true);
    byte[] msg = "{\"type\":\"message\",\"ref\":\"z\"}".getBytes(StandardCharsets.UTF_8);
    raw.frame(true, RSV1 | TEXT, PermessageDeflateTest.deflate(msg), true);
    raw.frame(true, PING, new byte[] {1, 2}, true);
    List<Integer> opcodes = new ArrayList<>();
    while (opcodes.size() < 2) {
      RawWs.Frame f = raw.readFrame();
      opcodes.add(f.opcode);
      if (f.opcode == TEXT) {
        assertThat(new String(f.payload, StandardCharsets.UTF_8)).contains("\"ack\"").contains("\"z\"");
      }
    }
    assertThat(opcodes).containsExactly(TEXT, 0xA);
  }
}
