package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.LivePushServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * permessage-deflate negotiation (RFC 7692 §5, §7) on real sockets: every malformed offer, for every parameter,
 * is declined and the handshake completes (101) without the extension; every valid offer is accepted with the
 * answer RFC 7692 §7.1 asks for, {@code server_max_window_bits} included; after it, a compressed message works.
 */
class DeflateNegotiationTest {
  private static LivePushServer server;

  @BeforeAll
  static void start() {
    server = startDeflateServer();
  }

  /** A started server on loopback with permessage-deflate enabled that acks every client message. */
  static LivePushServer startDeflateServer() {
    LivePushServer s = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .transport(WebSocketTransport.builder()
            .permessageDeflate(64 * 1024)
            .messageHandler(WebSocketMessageHandler.nonBlocking((conn, msg) -> conn.ack(msg.ref())))
            .build())
        .build();
    s.start().join();
    return s;
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** The response head of an upgrade with these {@code Sec-WebSocket-Extensions} lines. */
  private static String handshake(RawWs raw, String... extensionLines) throws Exception {
    List<String> headers = new ArrayList<>(Arrays.asList(RawWs.GOOD));
    for (String line : extensionLines) {
      headers.add("Sec-WebSocket-Extensions: " + line);
    }
    String head = raw.request(RawWs.upgrade("/ws", headers.toArray(new String[0])));
    assertThat(head).as("handshake completes").startsWith("HTTP/1.1 101");
    return head;
  }

  /** The negotiated extension header value, or {@code null}. */
  private static String extensions(String head) {
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("sec-websocket-extensions:")) {
        return line.substring(line.indexOf(':') + 1).trim();
      }
    }
    return null;
  }

  /** An extension header value as a set of its elements (Netty orders response parameters by hash). */
  private static java.util.Set<String> parameters(String value) {
    assertThat(value).isNotNull();
    java.util.Set<String> out = new java.util.TreeSet<>();
    for (String p : value.split(";")) {
      out.add(p.trim());
    }
    return out;
  }

  /** Sends a plain (uncompressed) message and expects its ack: the connection works after the handshake. */
  private static void assertWorks(RawWs raw) throws Exception {
    raw.frame(true, 0x1, "{\"type\":\"message\",\"ref\":\"p\"}".getBytes(StandardCharsets.UTF_8), true);
    RawWs.Frame f = raw.readFrame();
    assertThat(new String(f.payload, StandardCharsets.UTF_8)).isEqualTo(V1Messages.ack("p"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      // client_max_window_bits: not a number, out of range, leading zero, sign, empty, quoted garbage
      "permessage-deflate; client_max_window_bits=abc",
      "permessage-deflate; client_max_window_bits=7",
      "permessage-deflate; client_max_window_bits=16",
      "permessage-deflate; client_max_window_bits=0",
      "permessage-deflate; client_max_window_bits=-9",
      "permessage-deflate; client_max_window_bits=+9",
      "permessage-deflate; client_max_window_bits=09",
      "permessage-deflate; client_max_window_bits=99999999999999999999",
      "permessage-deflate; client_max_window_bits=",
      "permessage-deflate; client_max_window_bits=\"abc\"",
      "permessage-deflate; client_max_window_bits=\"1 0\"",
      "permessage-deflate; client_max_window_bits=10; client_max_window_bits=10",
      "permessage-deflate; client_max_window_bits; client_max_window_bits=12",
      // server_max_window_bits: the same, and it needs a value
      "permessage-deflate; server_max_window_bits=abc",
      "permessage-deflate; server_max_window_bits",
      "permessage-deflate; server_max_window_bits=7",
      "permessage-deflate; server_max_window_bits=16",
      "permessage-deflate; server_max_window_bits=010",
      "permessage-deflate; server_max_window_bits=1.5",
      "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10",
      "permessage-deflate; server_max_window_bits=10; SERVER_MAX_WINDOW_BITS=10",
      // *_no_context_takeover take no value and appear once
      "permessage-deflate; client_no_context_takeover=1",
      "permessage-deflate; client_no_context_takeover=\"x\"",
      "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
      "permessage-deflate; server_no_context_takeover=true",
      "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
      // unknown parameters
      "permessage-deflate; foo",
      "permessage-deflate; foo=bar",
      "permessage-deflate; client_max_window_bit=10",
      "permessage-deflate; server_max_window_bits=10; x-extra",
      // syntax (RFC 6455 §9.1)
      "permessage-deflate;",
      "permessage-deflate; ;client_no_context_takeover",
      "permessage-deflate; =10",
      "permessage-deflate; client_max_window_bits=\"10",
      "permessage-deflate; client_max_window_bits=1 0",
      "permessage-deflate client_no_context_takeover",
      "permessage-deflate; client_no_context_takeover,;",
      // other extensions are declined
      "x-webkit-deflate-frame",
      "deflate-frame",
      "permessage-deflate-x",
  })
  void malformedOfferIsDeclinedAndTheHandshakeCompletes(String offer) throws Exception {
    try (StderrCapture log = new StderrCapture(); RawWs raw = new RawWs(server.port())) {
      assertThat(extensions(handshake(raw, offer))).isNull();
      assertWorks(raw);
      assertThat(log.text()).as("nothing logged (Netty's handshaker used to throw NumberFormatException)")
          .doesNotContain("Exception");
      // RSV1 is refused on a connection that did not negotiate deflate.
      raw.frame(true, 0x40 | 0x1, PermessageDeflateTest.deflate("{}".getBytes(StandardCharsets.UTF_8)), true);
      assertThat(raw.awaitCloseCode()).isEqualTo(CloseCodes.PROTOCOL_ERROR);
    }
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "permessage-deflate | permessage-deflate",
      "permessage-deflate; client_max_window_bits | permessage-deflate",
      "permessage-deflate; client_max_window_bits=15 | permessage-deflate",
      "permessage-deflate; client_max_window_bits=9 | permessage-deflate;client_max_window_bits=9",
      "permessage-deflate; client_max_window_bits=\"10\" | permessage-deflate;client_max_window_bits=10",
      "permessage-deflate; server_max_window_bits=15 | permessage-deflate",
      "permessage-deflate; server_max_window_bits=8 | permessage-deflate;server_max_window_bits=8",
      "permessage-deflate; server_max_window_bits=12; client_max_window_bits "
          + "| permessage-deflate;server_max_window_bits=12",
      "permessage-deflate; server_no_context_takeover | permessage-deflate;server_no_context_takeover",
      "permessage-deflate; client_no_context_takeover | permessage-deflate",
      "permessage-deflate; Server_No_Context_Takeover; SERVER_MAX_WINDOW_BITS=9 "
          + "| permessage-deflate;server_no_context_takeover;server_max_window_bits=9",
      // the first acceptable offer wins (RFC 7692 §5.1); invalid ones before it are skipped
      "permessage-deflate; server_max_window_bits=abc, permessage-deflate; server_max_window_bits=10 "
          + "| permessage-deflate;server_max_window_bits=10",
      "x-webkit-deflate-frame, permessage-deflate; client_max_window_bits=11, permessage-deflate "
          + "| permessage-deflate;client_max_window_bits=11",
  })
  void validOfferIsAccepted(String offer, String answer) throws Exception {
    try (RawWs raw = new RawWs(server.port())) {
      assertThat(parameters(extensions(handshake(raw, offer)))).isEqualTo(parameters(answer));
      // A compressed message is inflated (the raw DEFLATE stream fits every client window).
      byte[] msg = "{\"type\":\"message\",\"ref\":\"z\"}".getBytes(StandardCharsets.UTF_8);
      raw.frame(true, 0x40 | 0x1, PermessageDeflateTest.deflate(msg), true);
      RawWs.Frame f = raw.readFrame();
      assertThat(new String(f.payload, StandardCharsets.UTF_8)).isEqualTo(V1Messages.ack("z"));
      assertWorks(raw);
    }
  }

  @Test
  void offersOnSeveralHeaderLinesAreReadTogether() throws Exception {
    try (RawWs raw = new RawWs(server.port())) {
      String head = handshake(raw, "permessage-deflate; foo", "permessage-deflate; server_max_window_bits=11");
      assertThat(parameters(extensions(head))).isEqualTo(parameters("permessage-deflate;server_max_window_bits=11"));
    }
  }

  @Test
  void tooManyOffersAreDeclined() throws Exception {
    String offers = String.join(", ", java.util.Collections.nCopies(DeflateOffers.MAX_OFFERS + 1,
        "permessage-deflate"));
    try (RawWs raw = new RawWs(server.port())) {
      assertThat(extensions(handshake(raw, offers))).isNull();
      assertWorks(raw);
    }
  }
}
