package io.livepush.internal;

import io.livepush.LivePushConfig;
import io.livepush.spi.PipelineNames;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;

/**
 * The pipeline skeleton every accepted connection starts with (see {@link PipelineNames}):
 * {@code [tls] → [requestDeadline] → httpCodec → httpAggregator → router}. Shared by every channel.
 */
public final class ServerInitializer extends ChannelInitializer<SocketChannel> {
  private final LivePushConfig config;
  private final Stats stats;
  private final RouterHandler router;
  private final SslContext ssl;
  private final long headerTimeoutNanos;

  public ServerInitializer(LivePushConfig config, ServerTls tls, Stats stats, RouterHandler router) {
    this.config = config;
    this.stats = stats;
    this.router = router;
    this.ssl = tls == null ? null : tls.context(ServerTls.HTTP_1_1);
    this.headerTimeoutNanos = config.requestHeaderTimeout().toNanos();
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ChannelPipeline p = ch.pipeline();
    if (ssl != null) {
      p.addLast(PipelineNames.TLS, ssl.newHandler(ch.alloc()));
    }
    if (headerTimeoutNanos > 0) {
      p.addLast(PipelineNames.REQUEST_DEADLINE, new RequestDeadlineHandler(headerTimeoutNanos, stats));
    }
    p.addLast(PipelineNames.HTTP_CODEC, new HttpServerCodec(config.maxInitialLineBytes(), config.maxHeaderBytes(),
            8192))
        .addLast(PipelineNames.HTTP_AGGREGATOR, new HttpObjectAggregator(config.maxRequestBytes()))
        .addLast(PipelineNames.ROUTER, router);
  }
}
