package io.livepush.internal;

import io.livepush.LivePushConfig;
import io.livepush.spi.LogSafe;
import io.livepush.spi.PipelineNames;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline skeleton every accepted connection starts with (see {@link PipelineNames}):
 * {@code [tls] → [alpn] → [requestDeadline] → [h2c.preface] → httpCodec → [h2c.upgrade] → [responseHeaders]
 * → httpAggregator → router} ({@code responseHeaders}: {@link ResponseHeaders}, when a transport contributes
 * any). With HTTP/2 on, a cleartext connection that starts with the HTTP/2 preface or asks for
 * {@code Upgrade: h2c} in its first request, and a TLS connection that negotiates {@code h2} by ALPN (RFC 7301),
 * becomes an HTTP/2 connection ({@link Http2Connections}). Shared by every channel.
 */
public final class ServerInitializer extends ChannelInitializer<SocketChannel> {
  private static final Logger LOG = LoggerFactory.getLogger(ServerInitializer.class);
  static final String ALPN = "livepush.alpn";
  private final LivePushConfig config;
  private final Stats stats;
  private final RouterHandler router;
  private final SslContext ssl;
  private final long headerTimeoutNanos;
  private final Http2Connections http2;
  private final ResponseHeaders responseHeaders;

  /**
   * @param tls {@code null}: plain HTTP
   * @param http2 {@code null}: HTTP/1.1 only
   * @param responseHeaders the transports' response header fields ({@code Alt-Svc})
   */
  public ServerInitializer(LivePushConfig config, ServerTls tls, Stats stats, RouterHandler router,
      Http2Connections http2, ResponseHeaders responseHeaders) {
    this.config = config;
    this.stats = stats;
    this.router = router;
    // ALPN (RFC 7301): h2 first when HTTP/2 is on, so a TLS client that offers it gets it
    this.ssl = tls == null ? null : tls.context(http2 != null ? ServerTls.H2_HTTP_1_1 : ServerTls.HTTP_1_1);
    this.headerTimeoutNanos = config.requestHeaderTimeout().toNanos();
    this.http2 = http2;
    this.responseHeaders = responseHeaders;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ChannelPipeline p = ch.pipeline();
    if (ssl != null) {
      p.addLast(PipelineNames.TLS, ssl.newHandler(ch.alloc()));
      if (http2 != null) {
        p.addLast(ALPN, new Alpn());
      }
    }
    if (headerTimeoutNanos > 0) {
      p.addLast(PipelineNames.REQUEST_DEADLINE, new RequestDeadlineHandler(headerTimeoutNanos, stats));
    }
    if (http2 != null && ssl == null) {
      p.addLast(Http2Connections.PREFACE, new H2cPrefaceHandler(http2));
    }
    HttpServerCodec codec = new HttpServerCodec(config.maxInitialLineBytes(), config.maxHeaderBytes(), 8192);
    p.addLast(PipelineNames.HTTP_CODEC, codec);
    if (http2 != null && ssl == null) {
      // h2c only on the first request (RFC 7540 §3.2); h2 over TLS is negotiated by ALPN instead
      p.addLast(Http2Connections.UPGRADE, new HttpServerUpgradeHandler(codec, http2.upgradeCodecFactory(),
          config.maxRequestBytes(), DefaultHttpHeadersFactory.headersFactory(),
          DefaultHttpHeadersFactory.trailersFactory(), true) {
        @Override
        protected boolean shouldHandleUpgradeRequest(HttpRequest req) {
          // a request the codec could not parse (too long, malformed) gets its 4xx over HTTP/1.1
          return req.decoderResult().isSuccess() && super.shouldHandleUpgradeRequest(req);
        }
      });
    }
    if (responseHeaders.active()) {
      p.addLast(ResponseHeaders.NAME, responseHeaders);
    }
    p.addLast(PipelineNames.HTTP_AGGREGATOR, new HttpObjectAggregator(config.maxRequestBytes()))
        .addLast(PipelineNames.ROUTER, router);
  }

  /**
   * The core's request handlers for a channel that carries one request (an HTTP/3 request stream), appended
   * after the caller's codec: {@code [requestDeadline] → httpAggregator → router}, as on an HTTP/2 stream.
   */
  public void addRequestHandlers(ChannelPipeline p) {
    addStreamRequestHandlers(p, config, stats, router);
  }

  /**
   * The core's request handlers after the codec of a channel that carries one request (an HTTP/2 or HTTP/3
   * stream): {@code [requestDeadline] → httpAggregator → router}.
   */
  static void addStreamRequestHandlers(ChannelPipeline p, LivePushConfig config, Stats stats,
      RouterHandler router) {
    long deadline = config.requestHeaderTimeout().toNanos();
    if (deadline > 0) { // a request body that never completes
      p.addLast(PipelineNames.REQUEST_DEADLINE, new RequestDeadlineHandler(deadline, stats, true));
    }
    p.addLast(PipelineNames.HTTP_AGGREGATOR, new HttpObjectAggregator(config.maxRequestBytes()))
        .addLast(PipelineNames.ROUTER, router);
  }

  /**
   * After the TLS handshake: {@code h2} turns the connection into HTTP/2; {@code http/1.1}, or no ALPN at all
   * (a client or an {@code SslContext} without it), keeps HTTP/1.1. Requests read meanwhile wait in it.
   */
  private final class Alpn extends ApplicationProtocolNegotiationHandler {
    Alpn() {
      super(ApplicationProtocolNames.HTTP_1_1);
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
      // scanners and plain-HTTP clients: not worth a warning each (the HTTP/1.1-only pipeline logs none either)
      LOG.debug("TLS handshake failed on {}", ctx.channel(), LogSafe.throwable(cause));
      ctx.close();
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
      if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
        http2.switchToHttp2(ctx);
      }
    }
  }
}
