package io.livepush.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The WebTransport load generator: many WebTransport sessions (livepush.v1 over HTTP/3, each on its own QUIC
 * connection, as a browser tab opens one) on Netty's QUIC and HTTP/3 codecs in one JVM. A session is an extended
 * CONNECT ({@code :protocol = webtransport}), then one bidirectional stream (signal 0x41, the session id) carrying
 * {@code subscribe}; the messages that come back ({@code kind | uint32 length | JSON}) are fed to a
 * {@link ValueScanner}, whose {@code "t"} (intended publish time, {@code System.nanoTime}) gives the latency.
 *
 * <p>Bounded: at most the sessions asked for; UDP sockets are shared by {@value #SESSIONS_PER_SOCKET} connections
 * each. Trusts any certificate: benchmark use only, against 127.0.0.0/8.
 */
public final class WtLoadGen extends Generator {
  /** QUIC connections per client UDP socket (QUIC tells them apart by connection id). */
  static final int SESSIONS_PER_SOCKET = 256;
  /** The WebTransport stream signal (draft-ietf-webtrans-http3 §4.2). */
  private static final long WT_STREAM = 0x41;

  private final EventLoopGroup group;
  private final InetSocketAddress server;
  private final String path;
  private final QuicSslContext ssl;
  private final List<Channel> sockets = new ArrayList<>();
  private final List<QuicChannel> connections = new ArrayList<>();
  private int sessionsOnSocket = SESSIONS_PER_SOCKET;

  /**
   * @param server the livepush server (its UDP port is its TCP port number)
   * @param path the {@code WebTransportTransport} path
   * @param threads event loops of the generator
   */
  public WtLoadGen(InetSocketAddress server, String path, int threads) {
    this.server = server;
    this.path = path;
    this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("wtgen"),
        NioIoHandler.newFactory());
    this.ssl = QuicSslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
        .applicationProtocols(Http3.supportedApplicationProtocols()).build();
  }

  /**
   * Opens {@code count} sessions subscribed to {@code topic} in batches of {@code batch}, waiting for each
   * batch's {@code subscribed} (or failures) before the next.
   *
   * @throws IllegalStateException if a batch does not finish within what is left of {@code timeoutMs}
   */
  public void open(String topic, int count, int batch, long timeoutMs) throws InterruptedException {
    byte[] subscribe = frame(("{\"type\":\"subscribe\",\"topics\":[\"" + topic + "\"]}")
        .getBytes(StandardCharsets.UTF_8));
    long deadline = System.currentTimeMillis() + timeoutMs;
    for (int done = 0; done < count; ) {
      int n = Math.min(batch, count - done);
      CountDownLatch latch = new CountDownLatch(n);
      for (int i = 0; i < n; i++) {
        connectOne(subscribe, latch);
      }
      if (!latch.await(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("sessions timed out: " + latch.getCount() + " of " + n
            + " pending (established " + established.get() + ", failed " + failed.get() + ")");
      }
      done += n;
    }
  }

  private Channel socket() throws InterruptedException {
    if (sessionsOnSocket >= SESSIONS_PER_SOCKET) {
      ChannelHandler codec = Http3.newQuicClientCodecBuilder()
          .sslContext(ssl)
          .maxIdleTimeout(600, TimeUnit.SECONDS)
          .initialMaxData(4 << 20)
          .initialMaxStreamDataBidirectionalLocal(1 << 20)
          .initialMaxStreamDataBidirectionalRemote(1 << 20)
          .initialMaxStreamDataUnidirectional(1 << 20)
          .initialMaxStreamsBidirectional(16)
          .initialMaxStreamsUnidirectional(16)
          .datagram(16, 16)
          .build();
      Channel udp = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(codec)
          .bind(new InetSocketAddress(server.getAddress(), 0)).sync().channel();
      sockets.add(udp);
      sessionsOnSocket = 0;
    }
    sessionsOnSocket++;
    return sockets.get(sockets.size() - 1);
  }

  private void connectOne(byte[] subscribe, CountDownLatch latch) throws InterruptedException {
    Http3Settings settings = new Http3Settings((id, v) -> true).enableConnectProtocol(true)
        .enableH3Datagram(true).qpackMaxTableCapacity(0).qpackBlockedStreams(0);
    QuicChannel.newBootstrap(socket())
        .handler(new Http3ClientConnectionHandler(null, null, null, new DefaultHttp3SettingsFrame(settings), true))
        .remoteAddress(server)
        .connect().addListener(f -> {
          if (!f.isSuccess()) {
            fail("QUIC connect: " + f.cause(), latch);
            return;
          }
          QuicChannel quic = (QuicChannel) f.getNow();
          synchronized (connections) {
            connections.add(quic);
          }
          new Session(quic, subscribe, latch).connect();
        });
  }

  private void fail(String why, CountDownLatch latch) {
    failure(why);
    latch.countDown();
  }

  /** {@code kind 1 (text) | uint32 length | payload}. */
  private static byte[] frame(byte[] payload) {
    byte[] out = new byte[5 + payload.length];
    out[0] = 1;
    out[1] = (byte) (payload.length >>> 24);
    out[2] = (byte) (payload.length >>> 16);
    out[3] = (byte) (payload.length >>> 8);
    out[4] = (byte) payload.length;
    System.arraycopy(payload, 0, out, 5, payload.length);
    return out;
  }

  private static void writeVarint(ByteBuf out, long v) {
    if (v < 0x40) {
      out.writeByte((int) v);
    } else if (v < 0x4000) {
      out.writeShort((int) (0x4000 | v));
    } else if (v < 0x4000_0000L) {
      out.writeInt((int) (0x8000_0000L | v));
    } else {
      out.writeLong(0xC000_0000_0000_0000L | v);
    }
  }

  /** Closes every connection and socket, then the event loops. */
  @Override
  public void close() {
    synchronized (connections) {
      for (QuicChannel q : connections) {
        q.close();
      }
    }
    for (Channel s : sockets) {
      s.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }

  /** One session: its CONNECT, then its livepush.v1 stream, parsed without buffering whole messages. */
  private final class Session extends ChannelInboundHandlerAdapter implements ValueScanner.Sink {
    private final QuicChannel quic;
    private final byte[] subscribe;
    private final CountDownLatch latch;
    private final ValueScanner scanner = new ValueScanner();
    private final Tally.Subscriber counted = tally.new Subscriber();
    private boolean subscribed;
    private boolean settled;
    private boolean ended;
    private long now;
    // Message parser state: header bytes seen, payload bytes left.
    private int headerPos;
    private long remaining;

    Session(QuicChannel quic, byte[] subscribe, CountDownLatch latch) {
      this.quic = quic;
      this.subscribe = subscribe;
      this.latch = latch;
    }

    void connect() {
      Http3.newRequestStream(quic, new Http3RequestStreamInboundHandler() {
        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
          CharSequence status = frame.headers().status();
          ReferenceCountUtil.release(frame);
          if (status == null || !"200".contentEquals(status)) {
            settle("CONNECT answered " + status);
            return;
          }
          openStream(((QuicStreamChannel) ctx.channel()).streamId());
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
          frame.release(); // the close capsule: the session's end shows on its stream
        }

        @Override
        protected void channelInputClosed(ChannelHandlerContext ctx) {
          ended();
        }
      }).addListener(f -> {
        if (!f.isSuccess()) {
          settle("request stream: " + f.cause());
          return;
        }
        QuicStreamChannel connect = (QuicStreamChannel) f.getNow();
        Http3HeadersFrame h = new DefaultHttp3HeadersFrame();
        h.headers().method("CONNECT").protocol("webtransport").scheme("https")
            .authority(server.getHostString() + ":" + server.getPort()).path(path);
        connect.writeAndFlush(h);
      });
    }

    private void openStream(long sessionId) {
      quic.newStreamBootstrap().type(QuicStreamType.BIDIRECTIONAL).handler(this).create().addListener(f -> {
        if (!f.isSuccess()) {
          settle("session stream: " + f.cause());
          return;
        }
        QuicStreamChannel stream = (QuicStreamChannel) f.getNow();
        ByteBuf out = stream.alloc().buffer(16 + subscribe.length);
        writeVarint(out, WT_STREAM);
        writeVarint(out, sessionId);
        out.writeBytes(subscribe);
        stream.writeAndFlush(out);
      });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      try {
        now = System.nanoTime();
        while (in.isReadable()) {
          if (headerPos < 5) {
            byte b = in.readByte();
            remaining = headerPos == 0 ? 0 : remaining << 8 | (b & 0xFF);
            headerPos++;
            if (headerPos == 5 && remaining == 0) {
              message();
            }
            continue;
          }
          int n = (int) Math.min(remaining, in.readableBytes());
          for (int i = 0; i < n; i++) {
            scanner.feed(in.readByte(), this);
          }
          remaining -= n;
          if (remaining == 0) {
            scanner.feed((byte) ' ', this); // ends a number that ends the message
            message();
          }
        }
      } finally {
        in.release();
      }
    }

    /** One whole message read: the first is {@code subscribed}. */
    private void message() {
      headerPos = 0;
      if (!subscribed) {
        subscribed = true;
        established.incrementAndGet();
        settle(null);
      }
    }

    @Override
    public void value(byte key, long value) {
      count(counted, key, value, now);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      ended();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }

    /** Either stream ended (both may tell): counted once. */
    private void ended() {
      if (ended) {
        return;
      }
      ended = true;
      if (subscribed) {
        closed.incrementAndGet();
      } else {
        settle("session ended before subscribed");
      }
    }

    private void settle(String failure) {
      if (settled) {
        return;
      }
      settled = true;
      if (failure != null) {
        fail(failure, latch);
      } else {
        latch.countDown();
      }
    }
  }
}
