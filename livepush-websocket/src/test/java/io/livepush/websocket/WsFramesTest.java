package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepush.CloseReason;
import io.livepush.EventId;
import io.livepush.ResetReason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pre-encoded frames, read back by Netty's own RFC 6455 decoder (as a client would: unmasked frames). */
class WsFramesTest {

  private static EmbeddedChannel clientDecoder() {
    return new EmbeddedChannel(new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
        .expectMaskedFrames(false).maxFramePayloadLength(1 << 20).build()));
  }

  private static WebSocketFrame decode(byte[] frame) {
    EmbeddedChannel ch = clientDecoder();
    assertThat(ch.writeInbound(Unpooled.wrappedBuffer(frame))).isTrue();
    WebSocketFrame f = ch.readInbound();
    assertThat(f.isFinalFragment()).isTrue();
    assertThat(f.rsv()).isZero();
    assertThat(ch.finish()).isFalse();
    return f;
  }

  @Test
  void headerLengthsAt7And16And64BitBoundaries() {
    for (int n : List.of(0, 1, 125, 126, 127, 65535, 65536, 70000)) {
      byte[] payload = new byte[n];
      Arrays.fill(payload, (byte) 'x');
      byte[] frame = WsFrames.frame(WsFrames.OP_TEXT, payload);
      assertThat(frame.length).isEqualTo(WsFrames.headerLength(n) + n);
      WebSocketFrame f = decode(frame);
      try {
        assertThat(f).isInstanceOf(TextWebSocketFrame.class);
        assertThat(f.content().readableBytes()).isEqualTo(n);
        assertThat(ByteBufUtil.getBytes(f.content())).isEqualTo(payload);
      } finally {
        f.release();
      }
    }
  }

  @Test
  void jsonTextAndBinaryEvents() throws Exception {
    EventId id = EventId.of(7, 42);
    WebSocketFrame f = decode(new WebSocketTransportEncodeHelper().json("t", id, "score", "{\"a\":1}"));
    try {
      assertThat(((TextWebSocketFrame) f).text())
          .isEqualTo("{\"type\":\"event\",\"topic\":\"t\",\"id\":\"" + id + "\",\"event\":\"score\",\"data\":{\"a\":1}}");
    } finally {
      f.release();
    }
    f = decode(WsFrames.textEvent("t", id, null, "line1\nline2 \"q\" \u00e9".getBytes(StandardCharsets.UTF_8)));
    try {
      String text = ((TextWebSocketFrame) f).text();
      assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(text).get("data").asText())
          .isEqualTo("line1\nline2 \"q\" \u00e9");
      assertThat(text).contains("\"event\":null");
    } finally {
      f.release();
    }
    byte[] payload = {9, 8, 7};
    f = decode(WsFrames.binaryEvent("b", id, null, payload));
    try {
      assertThat(f).isInstanceOf(BinaryWebSocketFrame.class);
      ByteBuf c = f.content();
      int n = c.readUnsignedShort();
      String head = c.readCharSequence(n, StandardCharsets.UTF_8).toString();
      assertThat(head).isEqualTo("{\"type\":\"event\",\"topic\":\"b\",\"id\":\"" + id + "\",\"event\":null}");
      assertThat(ByteBufUtil.getBytes(c)).containsExactly(payload);
    } finally {
      f.release();
    }
  }

  @Test
  void controlMessagesAndHeartbeat() {
    WebSocketTransport t = WebSocketTransport.builder().build();
    ByteBuf ping = t.encodeHeartbeat(ByteBufAllocator.DEFAULT);
    WebSocketFrame f = decode(ByteBufUtil.getBytes(ping));
    ping.release();
    assertThat(f).isInstanceOf(PingWebSocketFrame.class);
    f.release();
    ByteBuf reset = t.encodeReset(ByteBufAllocator.DEFAULT, "t", ResetReason.TOO_OLD, EventId.of(1, 2));
    f = decode(ByteBufUtil.getBytes(reset));
    reset.release();
    assertThat(((TextWebSocketFrame) f).text())
        .isEqualTo("{\"type\":\"reset\",\"topic\":\"t\",\"reason\":\"too-old\",\"id\":\"1-2\"}");
    f.release();
    ByteBuf sub = t.encodeSubscribed(ByteBufAllocator.DEFAULT, List.of("a", "b"), EventId.of(1, 2), "r\"1");
    f = decode(ByteBufUtil.getBytes(sub));
    sub.release();
    assertThat(((TextWebSocketFrame) f).text())
        .isEqualTo("{\"type\":\"subscribed\",\"topics\":[\"a\",\"b\"],\"id\":\"1-2\",\"ref\":\"r\\\"1\"}");
    f.release();
  }

  @Test
  void closeCodeForEveryReason() {
    Map<CloseReason, Integer> expected = Map.of(
        CloseReason.CLIENT_CLOSED, 1000,
        CloseReason.COMPLETED, 1000,
        CloseReason.APPLICATION, 1000,
        CloseReason.HEARTBEAT_TIMEOUT, 1001,
        CloseReason.SERVER_STOPPING, 1001,
        CloseReason.PROTOCOL_ERROR, 1002,
        CloseReason.SLOW_CONSUMER, 1008,
        CloseReason.POLICY_VIOLATION, 1008,
        CloseReason.INTERNAL_ERROR, 1011);
    for (CloseReason r : CloseReason.values()) {
      assertThat(CloseCodes.of(r)).as(r.name()).isEqualTo(expected.get(r));
    }
  }

  @Test
  void applicationCloseCodeValidation() {
    for (int ok : List.of(1000, 1001, 1003, 1007, 1014, 3000, 4999)) {
      CloseCodes.validate(ok, "fine");
    }
    for (int bad : List.of(0, 999, 1004, 1005, 1006, 1015, 2999, 5000)) {
      assertThatThrownBy(() -> CloseCodes.validate(bad, null)).hasMessageContaining("code: " + bad);
    }
    assertThatThrownBy(() -> CloseCodes.validate(1000, "x".repeat(124))).hasMessageContaining("reason");
    // the one rule of io.livepush.spi.Surrogates: a pair passes, a lone or reversed half names its index
    CloseCodes.validate(1000, "ok \ud83d\ude00");
    java.util.Map.of("\ud800", 0, "x\udc00", 1, "\udc00\ud800", 0, "a\ud83dz", 1).forEach((bad, at) ->
        assertThatThrownBy(() -> CloseCodes.validate(1000, bad)).isInstanceOf(InvalidCloseException.class)
            .hasMessage("reason: unpaired surrogate at index " + at + " (expected: UTF-8 text)"));
  }

  @Test
  void aStarOriginNamesAllowAnyOrigin() {
    // SSE and long-polling take allowedOrigins("*"); a user who writes the same here is told what to call
    assertThatThrownBy(() -> WebSocketTransport.builder().allowedOrigins("*"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("allowAnyOrigin()");
  }

  @Test
  void aWebSocketPathThatAnSseRouteAlsoMatchesIsRefused() {
    // SSE, added first, would have answered the upgrade requests of /live/{id} as event streams
    assertThatThrownBy(() -> io.livepush.LivePushServer.builder()
        .transport(io.livepush.sse.SseTransport.builder().route("/live/{id}", "t:{id}").build())
        .transport(WebSocketTransport.builder().path("/ws", "/live/scores").build())
        .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("routes: /live/{id} of transport sse and /live/scores of transport websocket");
  }

  @Test
  void builderValidates() {
    assertThatThrownBy(() -> WebSocketTransport.builder().maxFrameSize(0))
        .hasMessage("maxFrameSize: 0 (expected: > 0)");
    assertThatThrownBy(() -> WebSocketTransport.builder().path("ws")).hasMessageContaining("path: ws");
    assertThatThrownBy(() -> WebSocketTransport.builder().allowedOrigins("https://a.example/path"))
        .hasMessageContaining("origin:");
    assertThatThrownBy(() -> WebSocketTransport.builder().maxFrameSize(4096).maxMessageSize(1024).build())
        .hasMessageContaining("maxMessageSize: 1024");
    assertThatThrownBy(() -> WebSocketTransport.builder().permessageDeflate(0))
        .hasMessageContaining("maxDecompressedBytes: 0");
    assertThatThrownBy(() -> WebSocketTransport.builder().allowAnyOrigin().allowedOrigins("https://a.example")
        .build()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void originPolicy() {
    WebSocketTransport sameOrigin = WebSocketTransport.builder().build();
    assertThat(sameOrigin.originAllowed(null, "h:1")).isTrue();
    assertThat(sameOrigin.originAllowed("https://h:1", "h:1")).isTrue();
    assertThat(sameOrigin.originAllowed("https://evil:1", "h:1")).isFalse();
    WebSocketTransport strict = WebSocketTransport.builder().allowedOrigins("https://App.example")
        .allowMissingOrigin(false).build();
    assertThat(strict.originAllowed("https://app.example", "x")).isTrue();
    assertThat(strict.originAllowed("https://app.example:8443", "x")).isFalse();
    assertThat(strict.originAllowed("http://app.example", "x")).isFalse();
    assertThat(strict.originAllowed(null, "x")).isFalse();
  }

  /** Encodes like {@link WebSocketTransport#encode} for a JSON payload. */
  private static final class WebSocketTransportEncodeHelper {
    byte[] json(String topic, EventId id, String type, String json) {
      return WsFrames.jsonEvent(topic, id, type, json.getBytes(StandardCharsets.UTF_8));
    }
  }
}
