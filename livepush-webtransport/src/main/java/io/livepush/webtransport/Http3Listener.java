package io.livepush.webtransport;

import io.livepush.spi.ServerListener;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ServerConnectionHandler;
import io.netty.handler.codec.http3.Http3Settings;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The UDP socket with Netty's QUIC codec and, per connection, Netty's HTTP/3 connection handler with livepush's
 * WebTransport handlers ({@link WtConnection}) in front; each request stream starts with {@link H3RequestStream}
 * (WebTransport CONNECTs, or ordinary requests served by the core's router). Bound on the server's event loops, so every QUIC
 * connection and stream runs on one of them (the socket's). At most the server's {@code maxConnections} QUIC
 * connections at once (each session is one connection there too); more are refused with CONNECTION_REFUSED.
 * Thread-safe: bound once, closed once.
 */
final class Http3Listener {
  /** SETTINGS_WEBTRANS_DRAFT00 (draft-ietf-webtrans-http3-02): 1 enables WebTransport. */
  static final long SETTINGS_ENABLE_WEBTRANSPORT = 0x2b603742L;
  /** SETTINGS_WT_MAX_SESSIONS as drafts 07 and later number it (what Chromium sends and reads). */
  static final long SETTINGS_WT_MAX_SESSIONS = 0xc671706aL;
  /** QUIC's flow-control window per stream, in bytes; inbound messages are bounded further by maxMessageSize. */
  private static final long STREAM_WINDOW = 256 * 1024;
  /** Datagrams waiting to be read or sent per connection (the extension must be on for browsers to connect). */
  private static final int DATAGRAM_QUEUE = 16;
  /** QUIC's CONNECTION_REFUSED transport error (RFC 9000 §20.1). */
  private static final int CONNECTION_REFUSED = 0x2;
  /** The smallest header section the codec takes (see {@link #fieldSectionLimit}), in bytes. */
  static final long MIN_FIELD_SECTION_LIMIT = 64 * 1024;

  private final WebTransportTransport transport;
  private final ServerListener server;
  private final Set<QuicChannel> connections = ConcurrentHashMap.newKeySet();
  private volatile Channel socket;

  Http3Listener(WebTransportTransport transport, ServerListener server) {
    this.transport = transport;
    this.server = server;
  }

  CompletionStage<Void> bind() {
    CompletableFuture<Void> bound = new CompletableFuture<>();
    ChannelHandler codec;
    try {
      codec = codec();
    } catch (RuntimeException e) {
      bound.completeExceptionally(e);
      return bound;
    }
    InetSocketAddress at = server.localAddress();
    new Bootstrap().group(server.eventLoops()).channel(server.datagramChannelType()).handler(codec)
        .bind(at.getAddress(), at.getPort()).addListener((ChannelFuture f) -> {
          if (f.isSuccess()) {
            socket = f.channel();
            bound.complete(null);
          } else {
            bound.completeExceptionally(f.cause());
          }
        });
    return bound;
  }

  int port() {
    Channel s = socket;
    return s == null ? -1 : ((InetSocketAddress) s.localAddress()).getPort();
  }

  private ChannelHandler codec() {
    QuicSslContext ssl = QuicSslContextBuilder.forServer(transport.key, null, transport.certificateChain)
        .applicationProtocols(Http3.supportedApplicationProtocols())
        .build();
    int high = transport.context.config().maxPendingOutboundBytes();
    int maxConnections = transport.context.config().maxConnections();
    return Http3.newQuicServerCodecBuilder()
        .sslContext(ssl)
        .maxIdleTimeout(transport.idleTimeoutMillis, TimeUnit.MILLISECONDS)
        .initialMaxData(STREAM_WINDOW * transport.maxStreamsPerConnection)
        .initialMaxStreamDataBidirectionalLocal(STREAM_WINDOW)
        .initialMaxStreamDataBidirectionalRemote(STREAM_WINDOW)
        .initialMaxStreamDataUnidirectional(STREAM_WINDOW)
        .initialMaxStreamsBidirectional(transport.maxStreamsPerConnection)
        // The peer's control and two QPACK streams, plus slack for WebTransport ones, which are refused.
        .initialMaxStreamsUnidirectional(Http3.MIN_INITIAL_MAX_STREAMS_UNIDIRECTIONAL + 2)
        .datagram(DATAGRAM_QUEUE, DATAGRAM_QUEUE)
        .tokenHandler(null) // no address-validation retry: one round trip less (RFC 9000 §8.1)
        // Each stream's writes count against the session's outbound budget; QUIC flow control makes it unwritable.
        .streamOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(high / 2, high))
        .handler(new ChannelInitializer<QuicChannel>() {
          @Override
          protected void initChannel(QuicChannel ch) {
            if (connections.size() >= maxConnections) {
              // No session could be admitted anyway: refuse before any state is kept (RFC 9000 §20.1).
              ch.close(false, CONNECTION_REFUSED, Unpooled.EMPTY_BUFFER);
              return;
            }
            connections.add(ch);
            ch.closeFuture().addListener(f -> connections.remove(ch));
            WtConnection wt = new WtConnection(transport);
            ch.pipeline().addLast(wt, new Http3ServerConnectionHandler(
                new ChannelInitializer<QuicStreamChannel>() {
                  @Override
                  protected void initChannel(QuicStreamChannel stream) {
                    stream.pipeline().addLast(new H3RequestStream(transport, server));
                  }
                }, wt.controlStreamObserver(), WtConnection::refuseUnidirectional, settings(), true,
                (id, value) -> true, null, transport.maxMessageSize));
          }
        })
        .build();
  }

  /** RFC 9220 extended CONNECT, RFC 9297 HTTP datagrams and WebTransport, in both numberings Chromium reads. */
  private DefaultHttp3SettingsFrame settings() {
    Http3Settings s = new Http3Settings((id, value) -> true)
        .qpackMaxTableCapacity(0)
        .qpackBlockedStreams(0)
        .maxFieldSectionSize(fieldSectionLimit(transport.context.config().maxHeaderBytes()))
        .enableConnectProtocol(true)
        .enableH3Datagram(true);
    s.put(SETTINGS_ENABLE_WEBTRANSPORT, 1L);
    s.put(SETTINGS_WT_MAX_SESSIONS, (long) transport.maxSessionsPerConnection);
    return new DefaultHttp3SettingsFrame(s);
  }

  /**
   * The header section size Netty's codec accepts (and the listener advertises as
   * {@code SETTINGS_MAX_FIELD_SECTION_SIZE}, RFC 9114 §7.2.4.1): room beyond the server's {@code maxHeaderBytes},
   * so that a section over that limit gets 431 on its stream ({@link H3RequestStream}) instead of Netty's
   * connection error (H3_EXCESSIVE_LOAD), which only sections larger than this get, as HTTP/2 sends GOAWAY only far
   * beyond its limit. At least {@value #MIN_FIELD_SECTION_LIMIT} bytes, four times {@code maxHeaderBytes} when
   * that is more; bounded, and a stream holds no more than its QUIC flow-control window anyway.
   */
  static long fieldSectionLimit(int maxHeaderBytes) {
    return Math.max(MIN_FIELD_SECTION_LIMIT, 4L * maxHeaderBytes);
  }

  /** GOAWAY and close every connection (their sessions were closed by the core already), then the socket. */
  CompletionStage<Void> close() {
    Channel s = socket;
    if (s == null) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> closed = new CompletableFuture<>();
    s.eventLoop().execute(() -> {
      for (QuicChannel c : connections) {
        WtConnection w = c.pipeline().get(WtConnection.class);
        if (w != null) {
          w.goAway();
        }
        c.close(true, WtErrors.H3_NO_ERROR, Unpooled.copiedBuffer("server stopping", StandardCharsets.US_ASCII));
      }
      s.close().addListener(f -> closed.complete(null));
    });
    return closed;
  }
}
