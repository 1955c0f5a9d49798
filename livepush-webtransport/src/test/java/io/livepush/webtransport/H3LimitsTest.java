package io.livepush.webtransport;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.AuthResult;
import io.livepush.Authenticator;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.LivePushServer;
import io.livepush.Principal;
import io.livepush.RequestInfo;
import io.livepush.fixtures.LiveServer;
import io.livepush.sse.SseTransport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The guards of ordinary HTTP/3 requests (RFC 9114 §4.1) on the WebTransport listener, as HTTP/1.1 and HTTP/2 have
 * them: header sections over {@code maxHeaderBytes} get 431 on their stream and the QUIC connection goes on
 * serving; long targets 414; malformed requests (CR, LF, NUL in a value, a non-token method, a bad target) 400
 * before anything of the application runs (what Netty's decoder refuses: a stream reset); bodies over {@code maxRequestBytes}
 * 413; a stream whose header section never completes is reset after {@code requestHeaderTimeout}; stopping the
 * server ends an HTTP/3 SSE stream with its goodbye and sends GOAWAY.
 */
class H3LimitsTest {
  @RegisterExtension final LiveServer live = new LiveServer();
  private LivePushServer server;
  private WtTestClient client;
  private final List<RequestInfo> seen = new CopyOnWriteArrayList<>();


  private void start() throws Exception {
    LivePushServer.Builder b = LivePushServer.builder()
        .maxRequestBytes(1024).requestHeaderTimeout(Duration.ofMillis(500))
        .authenticator(Authenticator.nonBlocking(r -> {
          seen.add(r);
          return AuthResult.allow(Principal.ANONYMOUS);
        }))
        .httpService(HttpService.nonBlocking((request, body) -> {
          seen.add(request);
          return request.path().equals("/page") ? HttpReply.text(200, "page") : null;
        }))
        .transport(SseTransport.builder().route("/live/{id}", "match:{id}").build())
        .transport(WtServers.transport());
    server = live.start(b);
    client = WtServers.client(live, server);
  }

  @Test
  void oversizedHeadersGet431AndTheConnectionGoesOn() throws Exception {
    start();
    // 20 KB: over maxHeaderBytes (8 KiB), within what the codec takes (64 KiB): a stream error, not a connection one
    WtTestClient.Exchange big = client.request("GET", "/page", null, "x-big", "a".repeat(20_000));
    assertThat(big.status()).isEqualTo(431);
    assertThat(big.fullBody()).contains("too large");
    WtTestClient.Exchange longTarget = client.request("GET", "/page?q=" + "a".repeat(5000), null);
    assertThat(longTarget.status()).isEqualTo(414);
    assertThat(seen).as("nothing of the application ran").isEmpty();
    WtTestClient.Exchange after = client.request("GET", "/page", null);
    assertThat(after.status()).isEqualTo(200);
    assertThat(client.connectionClosed).isNotDone();
  }

  @Test
  void malformedRequestsGet400BeforeTheApplication() throws Exception {
    start();
    String[][] cases = {
        {"GET", "/page", "x-a", "a\r\nInjected: yes"},
        {"GET", "/page", "x-a", "a\u0000b"},
        {"GET", "/page", "x-a", "a\nb"},
        {"GET", "/live/1", "authorization", "Bearer x\r\nX: y"},
        {"G(T", "/page"},
        {"GET", "page"},
        {"GET", "/pa ge"},
        {"GET", "/pa\u00e9ge"},
    };
    for (String[] c : cases) {
      WtTestClient.Exchange x = client.request(c[0], c[1], null,
          java.util.Arrays.copyOfRange(c, 2, c.length));
      CompletableFuture.anyOf(x.head, x.ended).get(10, TimeUnit.SECONDS);
      x.ended.get(10, TimeUnit.SECONDS);
      assertThat(x.head).as(java.util.Arrays.toString(c) + " " + x.error).isDone();
      assertThat(x.status()).as(String.join(" ", c)).isEqualTo(400);
    }
    // what Netty's decoder refuses (an upper-case name, a Host that contradicts :authority, RFC 9114 §4.2,
    // §4.3.1): the stream is reset (H3_MESSAGE_ERROR) without an answer, not a hang, and the connection goes on
    for (String[] c : new String[][] {{"X-Upper", "v"}, {"host", "elsewhere.example"}}) {
      WtTestClient.Exchange x = client.request("GET", "/page", null, c);
      x.ended.get(10, TimeUnit.SECONDS);
      assertThat(x.head).as(c[0]).isNotDone();
    }
    assertThat(seen).isEmpty();
    assertThat(client.request("GET", "/page", null).status()).isEqualTo(200);
  }

  @Test
  void anOversizedBodyGets413() throws Exception {
    start();
    WtTestClient.Exchange post = client.request("POST", "/page", new byte[4096], "content-type", "text/plain");
    assertThat(post.status()).isEqualTo(413);
    assertThat(seen).isEmpty();
  }

  @Test
  void aHeaderSectionThatNeverCompletesIsReset() throws Exception {
    start();
    CompletableFuture<Throwable> reset = new CompletableFuture<>();
    QuicStreamChannel stream = client.quic.newStreamBootstrap().type(QuicStreamType.BIDIRECTIONAL)
        .handler(new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            reset.complete(cause);
          }

          @Override
          public void channelInactive(ChannelHandlerContext ctx) {
            reset.complete(null);
          }
        }).create().get(10, TimeUnit.SECONDS);
    // a HEADERS frame (type 1) announcing 100 bytes, of which none follow
    ByteBuf partial = Unpooled.buffer();
    Varints.write(partial, 1);
    Varints.write(partial, 100);
    stream.writeAndFlush(partial).sync();
    Throwable cause = reset.get(10, TimeUnit.SECONDS);
    assertThat(cause).as("RESET_STREAM/STOP_SENDING surfaces as an exception").isNotNull();
    assertThat(String.valueOf(cause.getMessage()) + cause).containsIgnoringCase("reset");
    assertThat(client.request("GET", "/page", null).status()).isEqualTo(200);
  }

  @Test
  void stoppingEndsAnHttp3StreamWithItsGoodbyeAndSendsGoAway() throws Exception {
    start();
    WtTestClient.Exchange sse = client.request("GET", "/live/1", null);
    assertThat(sse.status()).isEqualTo(200);
    sse.awaitBody("retry:");
    server.close();
    sse.ended.get(10, TimeUnit.SECONDS);
    assertThat(sse.error).isNull();
    assertThat(sse.body.toString().split("retry:", -1)).as("the opening retry and the goodbye").hasSize(3);
    assertThat(client.goAway.get(10, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(sse.stream.streamId() + 4);
  }
}
