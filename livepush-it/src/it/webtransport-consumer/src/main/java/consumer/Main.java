package consumer;

import consumer.check.OneNetty;
import io.livepush.LivePushServer;
import io.livepush.webtransport.WebTransportTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.http3.Http3Settings;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * livepush-webtransport from the BOM: the QUIC native library loads, the HTTP/3 listener binds UDP at the TCP
 * port's number, and a WebTransport CONNECT sent with Netty's own HTTP/3 client is answered 200.
 */
public final class Main {
  public static void main(String[] args) throws Exception {
    OneNetty.require(args[0]);
    KeyStore ks = certificate();
    WebTransportTransport wt = WebTransportTransport.builder().path("/wt")
        .certificate((PrivateKey) ks.getKey("wt", "changeit".toCharArray()), (X509Certificate) ks.getCertificate("wt"))
        .build();
    LivePushServer server = LivePushServer.builder().host("127.0.0.1").port(0).transport(wt).build();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try (server) {
      server.start().join();
      if (wt.port() != server.port() || wt.certificateHash().length != 32) {
        throw new AssertionError("UDP port " + wt.port() + " for TCP port " + server.port());
      }
      int status = connect(group, server.port());
      if (status != 200) {
        throw new AssertionError("expected 200 for the WebTransport CONNECT, got " + status);
      }
      System.out.println("webtransport consumer: CONNECT answered " + status + " on UDP " + wt.port());
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  /** An ECDSA P-256 certificate made by the JDK's keytool (no certificate library needed). */
  private static KeyStore certificate() throws Exception {
    Path dir = Files.createTempDirectory("wt-consumer");
    Path store = dir.resolve("wt.p12");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "wt", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
        "-dname", "CN=localhost", "-validity", "13", "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + out);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, "changeit".toCharArray());
    }
    return ks;
  }

  /** One QUIC connection, one extended CONNECT with :protocol webtransport; the response's status. */
  private static int connect(EventLoopGroup group, int port) throws Exception {
    Channel udp = new Bootstrap().group(group).channel(NioDatagramChannel.class)
        .handler(Http3.newQuicClientCodecBuilder()
            .sslContext(QuicSslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                .applicationProtocols(Http3.supportedApplicationProtocols()).build())
            .maxIdleTimeout(30, TimeUnit.SECONDS).initialMaxData(1 << 20)
            .initialMaxStreamDataBidirectionalLocal(1 << 16).initialMaxStreamsBidirectional(4)
            .initialMaxStreamsUnidirectional(4).initialMaxStreamDataUnidirectional(1 << 16).datagram(4, 4).build())
        .bind(0).sync().channel();
    try {
      Http3Settings settings = new Http3Settings((id, v) -> true).enableConnectProtocol(true)
          .enableH3Datagram(true).qpackMaxTableCapacity(0).qpackBlockedStreams(0);
      QuicChannel quic = QuicChannel.newBootstrap(udp)
          .handler(new Http3ClientConnectionHandler(null, null, null, new DefaultHttp3SettingsFrame(settings), true))
          .remoteAddress(new InetSocketAddress("127.0.0.1", port)).connect().get(30, TimeUnit.SECONDS);
      CompletableFuture<Integer> status = new CompletableFuture<>();
      QuicStreamChannel stream = Http3.newRequestStream(quic, new Http3RequestStreamInboundHandler() {
        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
          status.complete(Integer.parseInt(frame.headers().status().toString()));
          ReferenceCountUtil.release(frame);
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
          frame.release();
        }

        @Override
        protected void channelInputClosed(ChannelHandlerContext ctx) {
          status.complete(-1);
        }
      }).get(30, TimeUnit.SECONDS);
      Http3HeadersFrame h = new DefaultHttp3HeadersFrame();
      h.headers().method("CONNECT").protocol("webtransport").scheme("https").authority("127.0.0.1:" + port)
          .path("/wt");
      stream.writeAndFlush(h).sync();
      int answer = status.get(30, TimeUnit.SECONDS);
      quic.close().sync();
      return answer;
    } finally {
      udp.close().sync();
    }
  }
}
