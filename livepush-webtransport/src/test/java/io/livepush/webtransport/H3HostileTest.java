package io.livepush.webtransport;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.LivePushServer;
import io.livepush.RequestInfo;
import io.livepush.SlowConsumerPolicy;
import io.livepush.fixtures.LiveServer;
import io.livepush.sse.SseTransport;
import io.livepush.testing.Await;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A hostile HTTP/3 client on ordinary request streams (RFC 9114 §4): header names and pseudo-headers a careful
 * client never sends, streams cut or abandoned mid-response. Each is refused (a 4xx on the stream or a reset)
 * before the application sees it, and the connection and the server go on.
 */
class H3HostileTest {
  @RegisterExtension final LiveServer live = new LiveServer();
  private LivePushServer server;
  private WtTestClient client;
  private final List<RequestInfo> served = new CopyOnWriteArrayList<>();

  private void start() throws Exception {
    start(64 * 1024);
  }

  private void start(int budget) throws Exception {
    server = live.start(LivePushServer.builder()
        .maxPendingOutboundBytes(budget)
        .slowConsumerPolicy(SlowConsumerPolicy.DISCONNECT)
        .httpService(HttpService.nonBlocking((request, body) -> {
          served.add(request);
          return request.path().equals("/page") ? HttpReply.text(200, "page") : null;
        }))
        .transport(SseTransport.builder().route("/live/{id}", "match:{id}").build())
        .transport(WtServers.transport()));
    client = WtServers.client(live, server);
  }

  /** Sends a header section built by {@code headers} (not validated), then FIN. */
  private WtTestClient.Exchange raw(Consumer<io.netty.handler.codec.http3.Http3Headers> headers) throws Exception {
    return client.send(headers, null);
  }

  /** The stream was refused: a 4xx status, or reset by the server without a response head. */
  private static void assertRefused(WtTestClient.Exchange x, String what) throws Exception {
    x.ended.get(10, TimeUnit.SECONDS);
    if (x.head.isDone()) {
      assertThat(x.status()).as(what).isBetween(400, 499);
    } else {
      assertThat(x.error).as(what + ": reset without a head").isNotNull();
    }
  }

  @Test
  void controlCharactersInFieldNamesNeverReachTheApplication() throws Exception {
    start();
    String authority = "127.0.0.1:" + server.port();
    for (String name : new String[] {"x-a\r\nx-b", "x-a\u0000b", "x-a\nb", "x a", "x-a:b", "", "x-é"}) {
      WtTestClient.Exchange x = raw(h -> h.method("GET").scheme("https").authority(authority).path("/page")
          .add(name, "v"));
      assertRefused(x, "name " + name.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0"));
    }
    assertThat(served).isEmpty();
    assertThat(client.request("GET", "/page", null).status()).isEqualTo(200);
  }

  @Test
  void requestsWithoutAuthorityPathOrSchemeAreMalformed() throws Exception {
    start();
    String authority = "127.0.0.1:" + server.port();
    // RFC 9114 §4.3.1: https requires :authority or Host; :scheme and :path are mandatory for non-CONNECT
    assertRefused(raw(h -> h.method("GET").scheme("https").path("/page")), "no :authority");
    assertRefused(raw(h -> h.method("GET").scheme("https").authority(authority)), "no :path");
    assertRefused(raw(h -> h.method("GET").authority(authority).path("/page")), "no :scheme");
    assertRefused(raw(h -> h.method("GET").scheme("https").authority(authority).path("*")), "asterisk form");
    assertRefused(raw(h -> h.scheme("https").authority(authority).path("/page")), "no :method");
    // a classic CONNECT (no :protocol): livepush is not a proxy
    WtTestClient.Exchange connect = raw(h -> h.method("CONNECT").authority("example.com:443"));
    assertRefused(connect, "CONNECT without :protocol");
    assertThat(connect.status()).as("no :path to open a session at (docs/protocol.md)").isEqualTo(400);
    assertThat(served).isEmpty();
    assertThat(client.request("GET", "/page", null).status()).isEqualTo(200);
  }

  @Test
  void anSseStreamThatIsNeverReadMeetsTheSlowConsumerPolicyAndOthersGoOn() throws Exception {
    start();
    WtTestClient.Exchange sse = client.request("GET", "/live/2", null);
    assertThat(sse.status()).isEqualTo(200);
    sse.awaitBody("retry:");
    sse.stream.config().setOption(ChannelOption.AUTO_READ, false); // QUIC flow control stops the server
    String big = "x".repeat(32 * 1024);
    for (int i = 0; i < 200 && server.stats().slowConsumerDisconnects() == 0; i++) {
      server.publish("match:2", Event.text(big));
      if (i % 20 == 19) {
        assertThat(client.request("GET", "/page", null).status()).as("another stream meanwhile").isEqualTo(200);
      }
    }
    Await.until("one slow-consumer disconnect", Duration.ofSeconds(10),
        () -> server.stats().slowConsumerDisconnects() == 1);
    Await.until("no session", Duration.ofSeconds(10), () -> server.connectionCount() == 0);
    assertThat(client.request("GET", "/page", null).status()).isEqualTo(200);
  }

  @Test
  void aRequestResetMidBodyIsForgotten() throws Exception {
    start();
    WtTestClient.Exchange x = new WtTestClient.Exchange();
    QuicStreamChannel stream = Http3.newRequestStream(client.quic, x.handler).get(10, TimeUnit.SECONDS);
    Http3HeadersFrame h = new DefaultHttp3HeadersFrame();
    h.headers().method("POST").scheme("https").authority("127.0.0.1:" + server.port()).path("/page")
        .set("content-length", "500");
    stream.write(h);
    stream.writeAndFlush(new io.netty.handler.codec.http3.DefaultHttp3DataFrame(
        io.netty.buffer.Unpooled.wrappedBuffer(new byte[100]))).sync();
    stream.shutdownOutput(0x10c).sync(); // RESET_STREAM, H3_REQUEST_CANCELLED
    assertThat(client.request("GET", "/page", null).status()).isEqualTo(200);
    assertThat(served).hasSize(1); // the reset POST never reached the service
  }
}
