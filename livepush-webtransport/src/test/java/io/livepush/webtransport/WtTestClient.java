package io.livepush.webtransport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.http3.Http3Settings;
import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WebTransport client on Netty's QUIC and HTTP/3 codecs (the other side of the same libraries, not our code):
 * one QUIC connection; {@link #connect} sends an extended CONNECT and {@link Session#open} the session's
 * bidirectional stream, whose livepush.v1 messages land in a queue. For tests only: trusts any certificate.
 */
final class WtTestClient implements AutoCloseable {
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel udp;
  final QuicChannel quic;

  WtTestClient(int port) throws Exception {
    QuicSslContext ssl = QuicSslContextBuilder.forClient()
        .trustManager(InsecureTrustManagerFactory.INSTANCE)
        .applicationProtocols(Http3.supportedApplicationProtocols()).build();
    udp = new Bootstrap().group(group).channel(NioDatagramChannel.class)
        .handler(Http3.newQuicClientCodecBuilder().sslContext(ssl)
            .maxIdleTimeout(30, TimeUnit.SECONDS)
            .initialMaxData(8 << 20)
            .initialMaxStreamDataBidirectionalLocal(1 << 20)
            .initialMaxStreamDataBidirectionalRemote(1 << 20)
            .initialMaxStreamDataUnidirectional(1 << 20)
            .initialMaxStreamsBidirectional(16)
            .initialMaxStreamsUnidirectional(16)
            .datagram(16, 16)
            .build())
        .bind(0).sync().channel();
    Http3Settings settings = new Http3Settings((id, v) -> true).enableConnectProtocol(true)
        .enableH3Datagram(true).qpackMaxTableCapacity(0).qpackBlockedStreams(0);
    try {
      Http3ClientConnectionHandler h3 = new Http3ClientConnectionHandler(new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
          if (msg instanceof io.netty.handler.codec.http3.Http3GoAwayFrame) {
            goAway.complete(((io.netty.handler.codec.http3.Http3GoAwayFrame) msg).id());
          }
          ReferenceCountUtil.release(msg);
        }
      }, null, null, new DefaultHttp3SettingsFrame(settings), true);
      quic = QuicChannel.newBootstrap(udp)
          .handler(new ChannelInitializer<QuicChannel>() {
            @Override
            protected void initChannel(QuicChannel ch) {
              ch.pipeline().addLast(new DatagramCatcher(), h3);
            }
          })
          .remoteAddress(new InetSocketAddress("127.0.0.1", port))
          .connect().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      abort();
      throw e;
    }
  }

  /**
   * HTTP datagrams received (RFC 9297 §2.1), as {@code "<quarter stream id> <message>"}: the message framed as
   * on the stream, its JSON (binary ones as {@code "binary:<bytes>"}).
   */
  final BlockingQueue<String> datagrams = new LinkedBlockingQueue<>();
  /** The id of the server's GOAWAY (RFC 9114 §5.2), once it sent one. */
  final CompletableFuture<Long> goAway = new CompletableFuture<>();
  /** The peer's CONNECTION_CLOSE, once it closed the connection. */
  final CompletableFuture<QuicConnectionCloseEvent> connectionClosed = new CompletableFuture<>();

  /** Takes QUIC DATAGRAM payloads off the connection before the HTTP/3 handler; notes the peer's close. */
  private final class DatagramCatcher extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof QuicConnectionCloseEvent) {
        connectionClosed.complete((QuicConnectionCloseEvent) evt);
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf)) {
        ctx.fireChannelRead(msg);
        return;
      }
      ByteBuf d = (ByteBuf) msg;
      try {
        long quarterStreamId = Varints.get(d, d.readerIndex());
        d.skipBytes(Varints.length(d.getByte(d.readerIndex())));
        int kind = d.readUnsignedByte();
        long length = d.readUnsignedInt();
        String body = d.readCharSequence((int) length, StandardCharsets.UTF_8).toString();
        datagrams.add(quarterStreamId + " " + (kind == WtFrames.TEXT ? body : "binary:" + body));
      } finally {
        d.release();
      }
    }
  }

  /** Sends an extended CONNECT to {@code path}; the session's 200 or refusal completes {@link Session#status}. */
  Session connect(String path, String origin) throws Exception {
    return connect(path, origin, new String[0]);
  }

  /**
   * As {@link #connect(String, String)}, with extra header name/value pairs, sent as given: the headers are not
   * validated here, so a test can send what a hostile client would.
   */
  Session connect(String path, String origin, String... nameValues) throws Exception {
    Session s = new Session();
    QuicStreamChannel stream = Http3.newRequestStream(quic, s.connectHandler).get(10, TimeUnit.SECONDS);
    s.connect = stream;
    Http3HeadersFrame h = new DefaultHttp3HeadersFrame(new io.netty.handler.codec.http3.DefaultHttp3Headers(false));
    h.headers().method("CONNECT").protocol("webtransport").scheme("https")
        .authority("127.0.0.1:" + ((InetSocketAddress) quic.remoteSocketAddress()).getPort()).path(path);
    if (origin != null) {
      h.headers().set("origin", origin);
    }
    for (int i = 0; i < nameValues.length; i += 2) {
      h.headers().add(nameValues[i], nameValues[i + 1]);
    }
    stream.writeAndFlush(h).sync();
    return s;
  }

  /**
   * Sends an ordinary HTTP/3 request (RFC 9114 §4.1): {@code method} to {@code path} with the extra header
   * name/value pairs as given (not validated, so a test can send what a hostile client would) and {@code body}
   * (may be {@code null}), then FIN. The answer lands in the returned {@link Exchange}.
   */
  Exchange request(String method, String path, byte[] body, String... nameValues) throws Exception {
    return send(h -> {
      h.method(method).scheme("https")
          .authority("127.0.0.1:" + ((InetSocketAddress) quic.remoteSocketAddress()).getPort()).path(path);
      for (int i = 0; i < nameValues.length; i += 2) {
        h.add(nameValues[i], nameValues[i + 1]);
      }
    }, body);
  }

  /**
   * Sends a request stream whose header section {@code headers} fills in entirely (not validated: pseudo-headers
   * may be missing or misplaced, as a hostile client sends them), then {@code body} (may be {@code null}), then
   * FIN. The answer lands in the returned {@link Exchange}.
   */
  Exchange send(java.util.function.Consumer<io.netty.handler.codec.http3.Http3Headers> headers, byte[] body)
      throws Exception {
    Exchange x = new Exchange();
    QuicStreamChannel stream = Http3.newRequestStream(quic, x.handler).get(10, TimeUnit.SECONDS);
    x.stream = stream;
    Http3HeadersFrame h = new DefaultHttp3HeadersFrame(new io.netty.handler.codec.http3.DefaultHttp3Headers(false));
    headers.accept(h.headers());
    io.netty.channel.ChannelFuture last = body == null ? stream.writeAndFlush(h) : stream.write(h);
    if (body != null) {
      last = stream.writeAndFlush(
          new io.netty.handler.codec.http3.DefaultHttp3DataFrame(Unpooled.wrappedBuffer(body)));
    }
    last.addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
    return x;
  }

  /** One ordinary HTTP/3 request's answer: its head, its body as it arrives, its end. */
  static final class Exchange {
    final CompletableFuture<io.netty.handler.codec.http3.Http3Headers> head = new CompletableFuture<>();
    /** The body so far (UTF-8); append-only, read it with {@link #awaitBody}. */
    final StringBuffer body = new StringBuffer();
    /** Completed when the server ends the response (FIN) or the stream (reset, close). */
    final CompletableFuture<Void> ended = new CompletableFuture<>();
    /** Why the stream ended, when the server reset it. */
    volatile Throwable error;
    QuicStreamChannel stream;

    final Http3RequestStreamInboundHandler handler = new Http3RequestStreamInboundHandler() {
      @Override
      protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
        head.complete(frame.headers());
        ReferenceCountUtil.release(frame);
      }

      @Override
      protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
        synchronized (body) {
          body.append(frame.content().toString(StandardCharsets.UTF_8));
          body.notifyAll();
        }
        frame.release();
      }

      @Override
      protected void channelInputClosed(ChannelHandlerContext ctx) {
        ended.complete(null);
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        ended.complete(null);
        ctx.fireChannelInactive();
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        error = cause;
        ended.complete(null);
      }
    };

    /** The response status, within 10 s. */
    int status() throws Exception {
      return Integer.parseInt(head.get(10, TimeUnit.SECONDS).status().toString());
    }

    /** The response header {@code name} (lower case), or {@code null}. */
    String header(String name) throws Exception {
      CharSequence v = head.get(10, TimeUnit.SECONDS).get(name);
      return v == null ? null : v.toString();
    }

    /** The whole body, once the response ended (within 10 s). */
    String fullBody() throws Exception {
      ended.get(10, TimeUnit.SECONDS);
      return body.toString();
    }

    /** Waits up to 10 s until the body contains {@code text}; returns the body so far. */
    String awaitBody(String text) throws InterruptedException {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      synchronized (body) {
        while (body.indexOf(text) < 0) {
          long left = end - System.nanoTime();
          if (left <= 0) {
            throw new AssertionError("no " + text + " within 10 s in: " + body);
          }
          TimeUnit.NANOSECONDS.timedWait(body, left);
        }
        return body.toString();
      }
    }
  }

  /** Closes the QUIC connection (CONNECTION_CLOSE sent), then the socket. */
  @Override
  public void close() {
    quic.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    abort();
  }

  /** Drops the socket without a word to the server: a peer that vanished (the server learns it by idle timeout). */
  void abort() {
    udp.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /** One WebTransport session: its CONNECT stream and (once opened) its livepush.v1 stream. */
  final class Session {
    final CompletableFuture<Integer> status = new CompletableFuture<>();
    /** Completed when the CONNECT stream ends (the server closed the session); the close capsule's code. */
    final CompletableFuture<Long> closed = new CompletableFuture<>();
    /** livepush.v1 messages, as JSON text (binary ones as "binary:<bytes>"). */
    final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    /** Completed when the server ends the livepush.v1 stream (FIN or reset). */
    final CompletableFuture<Void> streamEnded = new CompletableFuture<>();
    QuicStreamChannel connect;
    QuicStreamChannel stream;
    /** Why the stream ended, when the server reset it. */
    volatile Throwable streamError;
    /** Completed with the error when the server resets the CONNECT stream. */
    final CompletableFuture<Throwable> connectError = new CompletableFuture<>();
    private long capsuleCode = -1;

    final Http3RequestStreamInboundHandler connectHandler = new Http3RequestStreamInboundHandler() {
      @Override
      protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
        status.complete(Integer.parseInt(frame.headers().status().toString()));
        ReferenceCountUtil.release(frame);
      }

      @Override
      protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
        ByteBuf c = frame.content();
        if (status.getNow(0) == 200 && c.readableBytes() >= 7) {
          int typeLen = Varints.length(c.getByte(c.readerIndex()));
          if (Varints.get(c, c.readerIndex()) == WtConnect.CLOSE_WEBTRANSPORT_SESSION) {
            int lenLen = Varints.length(c.getByte(c.readerIndex() + typeLen));
            capsuleCode = c.getUnsignedInt(c.readerIndex() + typeLen + lenLen);
          }
        }
        frame.release();
      }

      @Override
      protected void channelInputClosed(ChannelHandlerContext ctx) {
        closed.complete(capsuleCode);
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        closed.complete(capsuleCode);
        ctx.fireChannelInactive();
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        connectError.complete(cause);
      }
    };

    long id() {
      return connect.streamId();
    }

    /** Opens the session's bidirectional stream: the WT_STREAM signal and the session id, then messages. */
    Session open() throws Exception {
      return openFor(id());
    }

    /** Opens a bidirectional stream that names session {@code sessionId} (which may not exist). */
    Session openFor(long sessionId) throws Exception {
      stream = quic.newStreamBootstrap().type(QuicStreamType.BIDIRECTIONAL)
          .handler(new ChannelInitializer<QuicStreamChannel>() {
            @Override
            protected void initChannel(QuicStreamChannel ch) {
              ch.pipeline().addLast(WtFrames.decoder(16 << 20), new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                  ByteBuf m = (ByteBuf) msg;
                  try {
                    int kind = m.readUnsignedByte();
                    m.skipBytes(4);
                    String body = m.toString(StandardCharsets.UTF_8);
                    messages.add(kind == WtFrames.TEXT ? body : "binary:" + body);
                  } finally {
                    m.release();
                  }
                }

                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                  if (evt instanceof ChannelInputShutdownEvent) {
                    streamEnded.complete(null);
                  }
                  ReferenceCountUtil.release(evt);
                }

                @Override
                public void channelInactive(ChannelHandlerContext ctx) {
                  streamEnded.complete(null);
                }

                /** A RESET_STREAM or STOP_SENDING from the server surfaces as an exception. */
                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                  streamError = cause;
                  streamEnded.complete(null);
                }
              });
            }
          }).create().get(10, TimeUnit.SECONDS);
      ByteBuf preface = Unpooled.buffer();
      Varints.write(preface, WtStreamSniffer.WT_STREAM);
      Varints.write(preface, sessionId);
      stream.writeAndFlush(preface).sync();
      return this;
    }

    /** Sends one capsule on the CONNECT stream (RFC 9297 §3.2) in a DATA frame: type, length, value. */
    io.netty.channel.ChannelFuture capsule(long type, long declaredLength, byte[] value) {
      ByteBuf c = Unpooled.buffer();
      Varints.write(c, type);
      Varints.write(c, declaredLength);
      c.writeBytes(value);
      return connect.writeAndFlush(new io.netty.handler.codec.http3.DefaultHttp3DataFrame(c));
    }

    /** Sends one livepush.v1 text message. */
    void send(String json) {
      stream.writeAndFlush(Unpooled.wrappedBuffer(WtFrames.message(WtFrames.TEXT,
          json.getBytes(StandardCharsets.UTF_8))));
    }

    /** The next HTTP datagram of this session within 10 s (its message); those of other sessions fail. */
    String nextDatagram() throws InterruptedException {
      String d = datagrams.poll(10, TimeUnit.SECONDS);
      if (d == null) {
        throw new AssertionError("no datagram within 10 s");
      }
      String prefix = (id() >>> 2) + " ";
      if (!d.startsWith(prefix)) {
        throw new AssertionError("datagram of another session: " + d);
      }
      return d.substring(prefix.length());
    }

    /** The next message within 10 s. */
    String next() throws InterruptedException {
      String m = messages.poll(10, TimeUnit.SECONDS);
      if (m == null) {
        throw new AssertionError("no message within 10 s");
      }
      return m;
    }
  }
}
