package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.LivePushServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Opening handshakes an attacker or a broken client sends (RFC 6455 §4.2.1, §4.4): each gets the documented HTTP
 * status before any upgrade (docs/protocol.md, "Handshake"), and no connection is counted.
 */
class WsHandshakeTest {
  private LivePushServer server;

  @BeforeEach
  void start() {
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .transport(WebSocketTransport.builder().build())
        .build();
    server.start().join();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private String status(String request) throws Exception {
    try (RawWs ws = new RawWs(server.port())) {
      String head = ws.request(request);
      return head.substring(0, head.indexOf("\r\n"));
    }
  }

  @Test
  void badHandshakesGetTheirStatusBeforeAnyUpgrade() throws Exception {
    String up = "Upgrade: websocket";
    String conn = "Connection: Upgrade";
    String key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";
    String v13 = "Sec-WebSocket-Version: 13";
    String[][] cases = {
        {"400", "no key", up, conn, v13},
        {"400", "a key that is not 16 bytes of base64", up, conn, "Sec-WebSocket-Key: x", v13},
        {"400", "a key that is not base64", up, conn, "Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!!!", v13},
        {"400", "two keys", up, conn, key, "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==", v13},
        {"400", "no Upgrade", conn, key, v13},
        {"400", "Upgrade: h2c", "Upgrade: h2c", conn, key, v13},
        {"400", "no Connection: Upgrade", up, "Connection: keep-alive", key, v13},
        {"400", "no version", up, conn, key},
        {"426", "version 8", up, conn, key, "Sec-WebSocket-Version: 8"},
        {"426", "version 13, 8", up, conn, key, "Sec-WebSocket-Version: 13, 8"},
    };
    List<String> report = new ArrayList<>();
    for (String[] c : cases) {
      String[] headers = java.util.Arrays.copyOfRange(c, 2, c.length);
      report.add(status(RawWs.upgrade("/ws", headers)) + " <- " + c[1] + " (expected " + c[0] + ")");
    }
    report.add(status("POST /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n" + up + "\r\n" + conn + "\r\n" + key + "\r\n" + v13
        + "\r\nContent-Length: 0\r\n\r\n") + " <- POST (expected 405)");
    report.forEach(System.out::println);
    for (String line : report) {
      String expected = line.substring(line.lastIndexOf("expected ") + 9, line.length() - 1);
      assertThat(line).startsWith("HTTP/1.1 " + expected);
    }
    assertThat(server.connectionCount()).isZero();
  }
}
