package io.livepush.internal;

import io.livepush.LivePushConfig;
import io.livepush.spi.LogSafe;
import io.livepush.spi.PipelineNames;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/2 (RFC 9113) on the HTTP/1.1 port, on Netty's codec: {@link Http2FrameCodec} for the connection,
 * {@link Http2MultiplexHandler} for one child channel per stream, and in each stream
 * {@link Http2StreamFrameToHttpObjectCodec}, so the router, transports and services see the same HTTP/1.1
 * messages as on an HTTP/1.1 connection and every stream passes the same admission stage.
 *
 * <p>A stream's pipeline: {@code livepush.h2.bytes} ({@link Http2StreamBytes}) → {@code livepush.httpCodec} →
 * {@code [livepush.responseHeaders]} ({@link ResponseHeaders}) → {@code [livepush.requestDeadline]} →
 * {@code livepush.httpAggregator} → {@code livepush.router}. Each stream
 * has the connection budget as its own write-buffer water mark: its pending bytes are the DATA frames HTTP/2 flow
 * control has not let out yet (the stream's window, then the connection's window and socket), so a stream
 * whose client stops reading becomes unwritable and meets the slow-consumer policy, while the other streams of
 * the connection carry on.
 *
 * <p>Limits, as the connection's SETTINGS and the codec's guards: at most {@code http2MaxConcurrentStreams}
 * concurrent streams (§5.1.2; one more is refused with RST_STREAM REFUSED_STREAM), a header list of at most
 * {@code maxHeaderBytes} (§6.5.2; beyond it 431, far beyond it GOAWAY), at most
 * {@value #MAX_QUEUED_CONTROL_FRAMES} control frames (PING and SETTINGS acknowledgements, RST_STREAM) waiting for
 * the socket (a PING or SETTINGS flood from a client that does not read: GOAWAY ENHANCE_YOUR_CALM), at most
 * {@value #MAX_RST_FRAMES} RST_STREAM frames in {@value #RST_WINDOW_SECONDS} s (rapid reset, CVE-2023-44487:
 * GOAWAY ENHANCE_YOUR_CALM), at most {@value #MAX_SMALL_CONTINUATIONS} small CONTINUATION frames per header block
 * (CONTINUATION flood). A connection without a stream for {@code requestHeaderTimeout} gets GOAWAY and is closed
 * (the HTTP/1.1 slow-loris guard's counterpart). Stopping the server first ends every stream through its
 * transport (SSE: the goodbye {@code retry:}, then END_STREAM) over the drain window, then sends GOAWAY (NO_ERROR)
 * to every HTTP/2 connection and closes it: GOAWAY last, because the JDK's HTTP/2 client before Java 24 fails
 * every open stream of a connection on GOAWAY (JDK-8335181), which would cut the goodbyes.
 */
public final class Http2Connections {
  private static final Logger LOG = LoggerFactory.getLogger(Http2Connections.class);
  /** Control frames waiting for the socket before a connection is closed as flooding. */
  static final int MAX_QUEUED_CONTROL_FRAMES = 1000;
  /** RST_STREAM frames a client may send per {@link #RST_WINDOW_SECONDS}. */
  static final int MAX_RST_FRAMES = 200;
  static final int RST_WINDOW_SECONDS = 30;
  /** CONTINUATION frames smaller than 8 KiB one header block may have. */
  static final int MAX_SMALL_CONTINUATIONS = 16;
  /** The handler names of an HTTP/2 connection and of its streams. */
  static final String CODEC = "livepush.h2";
  static final String MULTIPLEX = "livepush.h2.multiplex";
  static final String IDLE = "livepush.h2.idle";
  static final String STREAM_BYTES = "livepush.h2.bytes";
  /** HTTP/1.1 handlers of the cleartext port: the prior-knowledge detector and the {@code Upgrade: h2c} handler. */
  static final String PREFACE = "livepush.h2c.preface";
  static final String UPGRADE = "livepush.h2c.upgrade";

  private final LivePushConfig config;
  private final Stats stats;
  private final RouterHandler router;
  private final ResponseHeaders responseHeaders;
  private final ChannelGroup connections = new DefaultChannelGroup("livepush-h2", GlobalEventExecutor.INSTANCE);
  private final StreamInitializer streams = new StreamInitializer();
  /** SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3): a transport accepts extended CONNECT. */
  private final boolean extendedConnect;

  public Http2Connections(LivePushConfig config, Stats stats, RouterHandler router,
      ResponseHeaders responseHeaders) {
    this.config = config;
    this.stats = stats;
    this.router = router;
    this.responseHeaders = responseHeaders;
    this.extendedConnect = router.extendedConnect();
  }

  /**
   * Turns the connection of {@code ctx} into an HTTP/2 connection: removes the HTTP/1.1 handlers and adds the
   * HTTP/2 ones after {@code ctx}. On the channel's loop.
   */
  void switchToHttp2(ChannelHandlerContext ctx) {
    ChannelPipeline p = ctx.pipeline();
    p.addAfter(ctx.name(), CODEC, newCodec());
    p.addAfter(CODEC, MULTIPLEX, new Http2MultiplexHandler(streams));
    p.addAfter(MULTIPLEX, IDLE, new IdleGuard(config.requestHeaderTimeout().toNanos()));
    removeHttp1(p, ctx.name());
    connections.add(ctx.channel());
  }

  /** {@code Upgrade: h2c} (RFC 7540 §3.2, deprecated by RFC 9113 but what the JDK client sends). */
  HttpServerUpgradeHandler.UpgradeCodecFactory upgradeCodecFactory() {
    return protocol -> AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
        ? new Upgrade() : null;
  }

  /**
   * Sends GOAWAY (NO_ERROR) to every HTTP/2 connection; each closes once its streams have ended. The future
   * completes when all have closed (bound it). Any thread.
   */
  public CompletableFuture<Void> goAwayAll() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    connections.close().addListener(f -> done.complete(null));
    return done;
  }

  private Http2FrameCodec newCodec() {
    Http2Settings settings = Http2Settings.defaultSettings()
        .maxConcurrentStreams(config.http2MaxConcurrentStreams())
        .maxHeaderListSize(config.maxHeaderBytes());
    if (extendedConnect) {
      settings.connectProtocolEnabled(true);
    }
    return Http2FrameCodecBuilder.forServer()
        .initialSettings(settings)
        .encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES)
        .decoderEnforceMaxRstFramesPerWindow(MAX_RST_FRAMES, RST_WINDOW_SECONDS)
        .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATIONS)
        // the drain window plus time for the goodbyes, as LivePushServer.stop waits
        .gracefulShutdownTimeoutMillis(config.shutdownDrain().toMillis() + 5_000)
        .build();
  }

  /** Removes the HTTP/1.1 handlers but {@code keep} (the caller, which removes itself). */
  private static void removeHttp1(ChannelPipeline p, String keep) {
    for (String name : new String[] {PipelineNames.REQUEST_DEADLINE, PREFACE, PipelineNames.HTTP_CODEC, UPGRADE,
        ResponseHeaders.NAME, PipelineNames.HTTP_AGGREGATOR, PipelineNames.ROUTER}) {
      if (!name.equals(keep) && p.context(name) != null) {
        p.remove(name);
      }
    }
  }

  /** The HTTP/1.1 upgrade to h2c: the 101 goes out, then the request continues as stream 1. */
  private final class Upgrade implements HttpServerUpgradeHandler.UpgradeCodec {
    private final Http2FrameCodec codec = newCodec();
    private final Http2ServerUpgradeCodec delegate = new Http2ServerUpgradeCodec(CODEC, codec,
        new Http2MultiplexHandler(streams), new IdleGuard(config.requestHeaderTimeout().toNanos()));

    @Override
    public Collection<CharSequence> requiredUpgradeHeaders() {
      return delegate.requiredUpgradeHeaders();
    }

    @Override
    public boolean prepareUpgradeResponse(ChannelHandlerContext ctx, FullHttpRequest request, HttpHeaders headers) {
      return delegate.prepareUpgradeResponse(ctx, request, headers);
    }

    @Override
    public void upgradeTo(ChannelHandlerContext ctx, FullHttpRequest request) {
      // The source codec has removed itself; the aggregator and router of HTTP/1.1 must not see HTTP/2 events.
      removeHttp1(ctx.pipeline(), ctx.name());
      delegate.upgradeTo(ctx, request);
      connections.add(ctx.channel());
    }
  }

  /** Builds each stream's pipeline (see the class javadoc). */
  @io.netty.channel.ChannelHandler.Sharable
  private final class StreamInitializer extends ChannelInitializer<Http2StreamChannel> {
    @Override
    protected void initChannel(Http2StreamChannel ch) {
      int high = config.maxPendingOutboundBytes();
      ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(high / 2, high));
      IdleGuard idle = ch.parent().pipeline().get(IdleGuard.class);
      if (idle != null) {
        idle.opened(ch);
      }
      ChannelPipeline p = ch.pipeline();
      p.addLast(STREAM_BYTES, new Http2StreamBytes());
      if (extendedConnect) {
        p.addLast(Http2ConnectStream.NAME, new Http2ConnectStream());
      }
      p.addLast(PipelineNames.HTTP_CODEC, new Http2StreamFrameToHttpObjectCodec(true));
      if (responseHeaders.active()) {
        p.addLast(ResponseHeaders.NAME, responseHeaders);
      }
      ServerInitializer.addStreamRequestHandlers(p, config, stats, router);
    }
  }

  /**
   * Last handler of a connection: closes (GOAWAY NO_ERROR) a connection that has had no stream for the timeout,
   * and takes the errors the codec has already answered (GOAWAY with their code, then close) off the log's
   * warning level. Per connection, on its loop.
   */
  private static final class IdleGuard extends ChannelDeadline {
    private int open;

    IdleGuard(long timeoutNanos) {
      super(timeoutNanos);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("HTTP/2 connection {} failed", ctx.channel(), LogSafe.throwable(cause));
    }

    void opened(Channel stream) {
      open++;
      disarm();
      stream.closeFuture().addListener(f -> {
        if (--open == 0 && ctx.channel().isActive()) {
          arm();
        }
      });
    }

    @Override
    void expire() {
      ctx.channel().close();
    }
  }
}
