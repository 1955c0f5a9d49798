package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.extensions.permessage_deflate.PerMessageDeflateExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * permessage-deflate (RFC 7692) on real sockets with Java-WebSocket's {@link PerMessageDeflateExtension} and a raw
 * socket: negotiated only when enabled, client messages inflated (compressed ones reach the handler), events sent
 * uncompressed (RSV1 unset, RFC 7692 §6) and accepted by the client, and an inflated size over the limit closes
 * with 1009.
 */
class PermessageDeflateTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LIMIT = 4096;
  private LivePushServer server;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception ignored) {
        // already closed
      }
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(boolean deflate) {
    WebSocketTransport.Builder ws = WebSocketTransport.builder()
        .messageHandler((conn, msg) -> conn.reply(msg.ref(), msg.data()));
    if (deflate) {
      ws.permessageDeflate(LIMIT);
    }
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .transport(ws.build()).build();
    server.start().join();
  }

  /** A Java-WebSocket client offering permessage-deflate that compresses every message, however small. */
  private JwsClient deflateClient() throws InterruptedException {
    PerMessageDeflateExtension ext = new PerMessageDeflateExtension();
    ext.setThreshold(0);
    JwsClient c = new JwsClient(server.port(), "/ws", new Draft_6455(ext));
    assertThat(c.connectBlocking(10, TimeUnit.SECONDS)).isTrue();
    closeables.add(c::closeBlocking);
    return c;
  }

  private static JsonNode json(String s) throws Exception {
    return JSON.readTree(s);
  }

  @Test
  void negotiatedDeflateCarriesCompressedMessagesAndUncompressedEvents() throws Exception {
    start(true);
    JwsClient c = deflateClient();
    assertThat(c.extensions).startsWith("permessage-deflate");
    assertThat(c.getConnection().getDraft()).isInstanceOfSatisfying(Draft_6455.class,
        d -> assertThat(d.getExtension()).isInstanceOf(PerMessageDeflateExtension.class));
    // The subscribe itself travels compressed (threshold 0), so the server inflated it.
    c.send("{\"type\":\"subscribe\",\"topics\":[\"t\"],\"ref\":\"s1\"}");
    JsonNode sub = json(c.next());
    assertThat(sub.get("type").asText()).isEqualTo("subscribed");
    assertThat(sub.get("ref").asText()).isEqualTo("s1");
    // Events go out uncompressed (RSV1 unset); the client must accept them on a deflate connection.
    EventId id = server.publish("t", Event.json(Map.of("n", 1)));
    String big = "y".repeat(3000);
    EventId id2 = server.publish("t", Event.text(big));
    JsonNode e = json(c.next());
    assertThat(e.get("id").asText()).isEqualTo(id.toString());
    assertThat(e.get("data").get("n").asInt()).isEqualTo(1);
    JsonNode e2 = json(c.next());
    assertThat(e2.get("id").asText()).isEqualTo(id2.toString());
    assertThat(e2.get("data").asText()).isEqualTo(big);
    // A compressed application message well under the limit reaches the handler, which replies. (The cap
    // bounds Netty's inflate buffer, which grows in steps, so a message just under it may be refused.)
    String payload = "x".repeat(LIMIT / 2);
    c.send("{\"type\":\"message\",\"data\":\"" + payload + "\",\"ref\":\"m1\"}");
    String r = c.texts.poll(10, TimeUnit.SECONDS);
    assertThat(r).as("reply; close code %s", c.closeCode.getNow(null)).isNotNull();
    JsonNode reply = json(r);
    assertThat(reply.get("type").asText()).isEqualTo("reply");
    assertThat(reply.get("ref").asText()).isEqualTo("m1");
    assertThat(reply.get("data").asText()).isEqualTo(payload);
    assertThat(c.isOpen()).isTrue();
  }

  @Test
  void inflatedSizeOverTheLimitCloses1009() throws Exception {
    start(true);
    JwsClient c = deflateClient();
    // A few dozen bytes on the wire, more than LIMIT once inflated: a small decompression bomb.
    c.send("{\"type\":\"message\",\"data\":\"" + "a".repeat(LIMIT * 4) + "\"}");
    assertThat(c.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
  }

  @Test
  void rawCompressedFrameWithRsv1ReachesTheHandler() throws Exception {
    start(true);
    RawWs raw = new RawWs(server.port());
    closeables.add(raw);
    List<String> headers = new ArrayList<>(Arrays.asList(RawWs.GOOD));
    headers.add("Sec-WebSocket-Extensions: permessage-deflate");
    String head = raw.request(RawWs.upgrade("/ws", headers.toArray(new String[0])));
    assertThat(head).startsWith("HTTP/1.1 101").containsIgnoringCase("sec-websocket-extensions: permessage-deflate");
    byte[] msg = "{\"type\":\"message\",\"data\":\"zipped\",\"ref\":\"r\"}".getBytes(StandardCharsets.UTF_8);
    raw.frame(true, 0x40 | 0x1, deflate(msg), true); // RSV1 | text: a compressed message (RFC 7692 §6)
    for (;;) {
      RawWs.Frame f = raw.readFrame();
      if (f.opcode == 0x1) {
        JsonNode reply = json(new String(f.payload, StandardCharsets.UTF_8));
        assertThat(reply.get("data").asText()).isEqualTo("zipped");
        break;
      }
    }
  }

  @Test
  void withoutTheOptionDeflateIsNotNegotiated() throws Exception {
    start(false);
    JwsClient c = deflateClient();
    assertThat(c.extensions).isNull();
    assertThat(c.getConnection().getDraft()).isInstanceOfSatisfying(Draft_6455.class,
        d -> assertThat(d.getExtension()).isNotInstanceOf(PerMessageDeflateExtension.class));
    // The client therefore sends plain frames, and the connection works as usual.
    c.send("{\"type\":\"message\",\"data\":1,\"ref\":\"m\"}");
    assertThat(json(c.next()).get("ref").asText()).isEqualTo("m");
    // A compressed frame without negotiation sets RSV1, which is a protocol error (RFC 6455 §5.2): 1002.
    RawWs raw = new RawWs(server.port());
    closeables.add(raw);
    raw.handshake("/ws");
    raw.frame(true, 0x40 | 0x1, deflate("{}".getBytes(StandardCharsets.UTF_8)), true);
    assertThat(raw.awaitCloseCode()).isEqualTo(CloseCodes.PROTOCOL_ERROR);
  }

  /** Raw DEFLATE with the trailing empty stored block removed (RFC 7692 §7.2.1). */
  static byte[] deflate(byte[] in) {
    Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    d.setInput(in);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[256];
    int n;
    while ((n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH)) > 0) {
      out.write(buf, 0, n);
    }
    d.end();
    byte[] b = out.toByteArray();
    return Arrays.copyOf(b, b.length - 4); // strip 00 00 ff ff
  }
}
