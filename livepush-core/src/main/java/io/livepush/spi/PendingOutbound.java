package io.livepush.spi;

import io.netty.channel.ChannelHandler;

/**
 * A handler in the pipeline of a channel that has no {@link io.netty.channel.ChannelOutboundBuffer} of its own
 * (a QUIC stream: Netty's QUIC stream channel queues the writes quiche cannot take yet internally, out of sight):
 * it counts the bytes written through it whose writes have not completed, so that they count against the
 * connection's outbound budget ({@code maxPendingOutboundBytes}) and show in
 * {@link io.livepush.ConnectionInfo#pendingOutboundBytes()} like the outbound buffer's bytes on TCP. The core
 * finds it with {@code pipeline.get(PendingOutbound.class)} when the channel has no outbound buffer.
 *
 * <p>Thread: called on the channel's event loop only; must not block.
 */
public interface PendingOutbound extends ChannelHandler {
  /**
   * The bytes written and not yet taken by the channel below (for QUIC: by quiche's stream buffer).
   *
   * @return pending bytes now, &ge; 0
   */
  long pendingOutboundBytes();
}
