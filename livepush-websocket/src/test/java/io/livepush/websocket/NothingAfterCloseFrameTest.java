package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepush.Event;
import io.livepush.LivePushServer;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * RFC 6455 §5.5.1: after its close frame the server sends nothing, even though live deliveries to the still-open
 * session bypass the handler that enforces it (they enter after the frame encoder, issue 18) until that frame is
 * written. On real sockets, with a raw client that goes on reading after the close frame.
 */
class NothingAfterCloseFrameTest {
  private static final int TEXT = 0x1;
  private static final int CLOSE = 0x8;
  private LivePushServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void liveEventsPublishedAfterTheCloseFrameNeverFollowIt() throws Exception {
    // One event loop: the witness's deliveries run in the same task as the closing client's, so the witness
    // receiving an event proves the server has dealt with it for both.
    server = LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(1)
        .transport(WebSocketTransport.builder().build()).build();
    server.start().join();
    try (RawWs closing = subscribed(); RawWs witness = subscribed()) {
      server.publish("t", Event.text("e0"));
      assertThat(readData(closing, "e0")).isEqualTo(TEXT); // the direct path carries events before the close
      assertThat(readData(witness, "e0")).isEqualTo(TEXT);
      // Invalid UTF-8: the server sends its close frame (1007) and waits for the answer, the session still open.
      closing.frame(true, TEXT, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}, true);
      assertThat(closing.awaitCloseCode()).isEqualTo(CloseCodes.INVALID_PAYLOAD);
      for (int i = 1; i <= 5; i++) {
        server.publish("t", Event.text("e" + i));
      }
      assertThat(readData(witness, "e5")).isEqualTo(TEXT);
      // Our close answer ends the connection: the next thing the client reads is the end of the stream.
      closing.frame(true, CLOSE, new byte[] {0x03, (byte) 0xEF}, true);
      assertThatThrownBy(closing::readFrame).isInstanceOfAny(EOFException.class, SocketException.class);
    }
  }

  /** A raw client subscribed to {@code t}, once its {@code subscribed} reply has arrived. */
  private RawWs subscribed() throws IOException {
    RawWs r = new RawWs(server.port());
    r.handshake("/ws");
    r.frame(true, TEXT, "{\"type\":\"subscribe\",\"topics\":[\"t\"],\"ref\":\"s\"}".getBytes(StandardCharsets.UTF_8),
        true);
    RawWs.Frame f;
    do {
      f = r.readFrame();
    } while (!new String(f.payload, StandardCharsets.UTF_8).contains("\"subscribed\""));
    return r;
  }

  /** Reads frames up to the event whose data is {@code data}; returns its opcode. */
  private static int readData(RawWs r, String data) throws IOException {
    for (;;) {
      RawWs.Frame f = r.readFrame();
      String text = new String(f.payload, StandardCharsets.UTF_8);
      if (f.opcode == CLOSE) {
        throw new AssertionError("close frame before " + data);
      }
      if (text.contains("\"data\":\"" + data + "\"")) {
        return f.opcode;
      }
    }
  }
}
