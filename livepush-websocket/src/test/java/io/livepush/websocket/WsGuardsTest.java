package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.AuthResult;
import io.livepush.CloseReason;
import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.Principal;
import io.livepush.ResetReason;
import io.livepush.SlowConsumerPolicy;
import io.livepush.TopicAuthorizer;
import io.livepush.fixtures.Budget;
import io.livepush.fixtures.LiveServer;
import io.livepush.fixtures.TestCertificate;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The core's guards as the WebSocket transport applies them: statuses before the 101, close codes after. */
class WsGuardsTest {
  @RegisterExtension final LiveServer fixture = new LiveServer();
  @RegisterExtension final TestCertificate cert = new TestCertificate();
  private LivePushServer server;

  private void start(LivePushServer.Builder b) {
    server = fixture.start(b.transport(WebSocketTransport.builder()
        .messageHandler((connection, message) -> connection.ack(message.ref()))
        .build()));
  }

  private RawWs raw() throws Exception {
    return fixture.closeAfter(new RawWs(server.port()));
  }

  private static void text(RawWs ws, String json) throws Exception {
    ws.frame(true, 0x1, json.getBytes(StandardCharsets.UTF_8), true);
  }

  private static String nextText(RawWs ws) throws Exception {
    for (;;) {
      RawWs.Frame f = ws.readFrame();
      if (f.opcode == 0x1) {
        return new String(f.payload, StandardCharsets.UTF_8);
      }
    }
  }

  @Test
  void authenticationRefusalsAre401And403BeforeTheUpgrade() throws Exception {
    start(LivePushServer.builder().authenticator(req -> {
      if (req.header("X-Banned") != null) {
        return AuthResult.forbidden("account suspended");
      }
      return "ok".equals(req.cookie("s")) ? AuthResult.allow(Principal.of("carol"))
          : AuthResult.unauthorized("credentials required", "Bearer");
    }));
    String none = raw().request(RawWs.upgrade("/ws", RawWs.GOOD));
    assertThat(none).startsWith("HTTP/1.1 401").containsIgnoringCase("www-authenticate: Bearer");
    List<String> banned = new ArrayList<>(List.of(RawWs.GOOD));
    banned.add("Cookie: s=ok");
    banned.add("X-Banned: 1");
    assertThat(raw().request(RawWs.upgrade("/ws", banned.toArray(new String[0])))).startsWith("HTTP/1.1 403");
    List<String> good = new ArrayList<>(List.of(RawWs.GOOD));
    good.add("Cookie: s=ok");
    RawWs ok = raw();
    assertThat(ok.request(RawWs.upgrade("/ws", good.toArray(new String[0])))).startsWith("HTTP/1.1 101");
    Channel ch = fixture.nextSession().channel();
    assertThat(ch).isNotNull();
    assertThat(server.stats().refusals()).containsEntry("unauthorized", 1L).containsEntry("forbidden", 1L);
  }

  @Test
  void topicAndClientPublishRightsGiveForbiddenErrors() throws Exception {
    start(LivePushServer.builder()
        .authenticator(req -> AuthResult.allow(Principal.of(req.queryParameters().get("u").get(0))))
        .topicAuthorizer(new TopicAuthorizer() {
          @Override
          public boolean canSubscribe(io.livepush.RequestInfo request, String topic) {
            return false;
          }

          @Override
          public boolean canSubscribe(Principal p, io.livepush.RequestInfo request, String topic) {
            return !topic.startsWith("private:") || p.name().equals("dave");
          }

          @Override
          public boolean canPublish(Principal p, io.livepush.RequestInfo request, String topic) {
            return !topic.startsWith("announcements");
          }
        }));
    RawWs eve = raw();
    eve.handshake("/ws?u=eve");
    text(eve, "{\"type\":\"subscribe\",\"topics\":[\"private:x\"],\"ref\":\"s1\"}");
    String err = nextText(eve);
    assertThat(err).contains("\"type\":\"error\"", "\"code\":\"forbidden\"", "\"ref\":\"s1\"");
    text(eve, "{\"type\":\"message\",\"topic\":\"announcements\",\"data\":1,\"ref\":\"m1\"}");
    assertThat(nextText(eve)).contains("\"code\":\"forbidden\"", "\"ref\":\"m1\"");
    text(eve, "{\"type\":\"message\",\"topic\":\"chat\",\"data\":1,\"ref\":\"m2\"}");
    assertThat(nextText(eve)).contains("\"type\":\"ack\"", "\"ref\":\"m2\"");
    RawWs dave = raw();
    dave.handshake("/ws?u=dave");
    text(dave, "{\"type\":\"subscribe\",\"topics\":[\"private:x\"]}");
    assertThat(nextText(dave)).contains("\"type\":\"subscribed\"");
  }

  @Test
  void wssOnTheJdkEngineAndClose1001OnShutdown() throws Exception {
    start(cert.serve(LivePushServer.builder()));
    assertThat(server.config().tlsProvider()).isEqualTo("JDK");
    JdkClient c = new JdkClient();
    c.ws = java.net.http.HttpClient.newBuilder().sslContext(cert.trustingContext()).build()
        .newWebSocketBuilder().subprotocols("livepush.v1")
        .buildAsync(java.net.URI.create("wss://localhost:" + server.port() + "/ws"), c).join();
    c.send("{\"type\":\"subscribe\",\"topics\":[\"t\"]}");
    assertThat(c.next()).contains("\"type\":\"subscribed\"");
    server.publish("t", Event.text("secure"));
    assertThat(c.next()).contains("\"data\":\"secure\"");
    server.stop();
    assertThat(c.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(1001);
  }

  @Test
  void perAddressLimitClosesWith1013() throws Exception {
    start(LivePushServer.builder().maxConnectionsPerAddress(1));
    RawWs first = raw();
    first.handshake("/ws");
    RawWs second = raw();
    second.handshake("/ws");
    assertThat(second.awaitCloseCode()).isEqualTo(1013);
    assertThat(server.stats().refusals()).containsEntry("max-connections-per-address", 1L);
  }

  @Test
  void stalledWebSocketClientIsBoundedAndGetsAResetAfterDrops() throws Exception {
    start(LivePushServer.builder().maxPendingOutboundBytes(32 * 1024)
        .slowConsumerPolicy(SlowConsumerPolicy.DROP_WITH_RESET));
    RawWs ws = fixture.closeAfter(RawWs.withReceiveBuffer(server.port(), 1024));
    ws.handshake("/ws");
    Channel ch = fixture.nextSession().channel();
    text(ws, "{\"type\":\"subscribe\",\"topics\":[\"score\"]}");
    String pad = "x".repeat(1000);
    long maxPending = 0;
    for (int i = 0; i < 50_000 && server.stats().dropped() < 100; i += 50) {
      for (int j = 0; j < 50; j++) {
        server.publish("score", Event.text(pad));
      }
      maxPending = Math.max(maxPending, Budget.pendingOnLoop(ch));
    }
    assertThat(server.stats().dropped()).isGreaterThanOrEqualTo(100);
    assertThat(maxPending).isLessThanOrEqualTo(32 * 1024 + 4096);
    for (;;) { // the client reads again: backlog, then the reset
      String t = nextText(ws);
      if (t.contains("\"type\":\"reset\"")) {
        assertThat(t).contains("\"reason\":\"slow-consumer\"", "\"topic\":\"score\"");
        break;
      }
    }
    assertThat(server.stats().resets(ResetReason.SLOW_CONSUMER)).isEqualTo(1);
    assertThat(fixture.closes()).isEmpty();
  }

  @Test
  void stalledWebSocketClientIsClosedWith1008UnderTheDefaultPolicy() throws Exception {
    start(LivePushServer.builder().maxPendingOutboundBytes(32 * 1024));
    RawWs ws = fixture.closeAfter(RawWs.withReceiveBuffer(server.port(), 1024));
    ws.handshake("/ws");
    Channel ch = fixture.nextSession().channel();
    text(ws, "{\"type\":\"subscribe\",\"topics\":[\"feed\"]}");
    String pad = "x".repeat(1000);
    for (int i = 0; i < 50_000 && server.stats().slowConsumerDisconnects() == 0; i += 50) {
      for (int j = 0; j < 50; j++) {
        server.publish("feed", Event.text(pad));
      }
      ch.eventLoop().submit(() -> null).get(10, TimeUnit.SECONDS); // after this batch's deliveries
    }
    assertThat(fixture.nextClose()).isEqualTo(CloseReason.SLOW_CONSUMER);
    assertThat(server.stats().slowConsumerDisconnects()).isEqualTo(1);
  }

  @Test
  void afterTheUpgradeOnlyCodecAndHandlerRemainAndPingsGetPongs() throws Exception {
    start(LivePushServer.builder());
    RawWs ws = raw();
    ws.handshake("/ws");
    Channel ch = fixture.nextSession().channel();
    assertThat(ch).isNotNull();
    // Netty's protocol handler and its handshaker attribute are gone once the session is open.
    java.util.List<String> names = ch.eventLoop().submit(() -> ch.pipeline().names()).get(10, TimeUnit.SECONDS);
    assertThat(names).contains(WebSocketTransport.HANDLER).doesNotContain(WebSocketTransport.PROTOCOL)
        .noneMatch(n -> n.contains("Aggregator"));
    assertThat(ch.pipeline().get(io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.class))
        .isNull();
    // livepush's handler checks UTF-8 itself (close1007OnInvalidUtf8AndOnNonJson): no validator per connection.
    assertThat(ch.pipeline().get(io.netty.handler.codec.http.websocketx.Utf8FrameValidator.class)).isNull();
    assertThat(ch.hasAttr(io.netty.util.AttributeKey.valueOf(
        io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker.class, "HANDSHAKER"))).isFalse();
    // RFC 6455 §5.5.3: the pong carries the ping's application data.
    byte[] data = "are you there".getBytes(StandardCharsets.UTF_8);
    ws.frame(true, 0x9, data, true);
    RawWs.Frame f;
    do {
      f = ws.readFrame();
    } while (f.opcode != 0xA);
    assertThat(f.payload).isEqualTo(data);
    // A close from the client is echoed with its code, and the connection ends.
    ws.frame(true, 0x8, new byte[] {0x03, (byte) 0xE8}, true);
    assertThat(ws.awaitCloseCode()).isEqualTo(CloseCodes.NORMAL);
    assertThat(fixture.nextClose()).isNotNull();
  }
}
