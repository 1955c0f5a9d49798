package io.livepush.internal;

import io.livepush.spi.Session;
import io.livepush.spi.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;

/**
 * The identity every layer of a session reads. A session is ONE object per connection, layered by responsibility
 * like Netty's {@code AbstractChannel}: this base, {@link SessionSubscriptions} (topics, resume, replay),
 * {@link SessionOutbound} (writes within the budget) and {@link SessionImpl} (SPI, liveness, close). Separate
 * objects per layer would cost each idle connection an object header and back references (issue 18: 112 B).
 * Everything mutable is confined to the channel's event loop.
 */
abstract class SessionBase extends ChannelDuplexHandler implements Session {
  final Hub hub;
  final long id;
  final Channel channel;
  final Transport transport;
  final int transportIndex;
  final LoopState loop;
  boolean closed;

  SessionBase(Hub hub, long id, Channel channel, Transport transport, int transportIndex, LoopState loop) {
    this.hub = hub;
    this.id = id;
    this.channel = channel;
    this.transport = transport;
    this.transportIndex = transportIndex;
    this.loop = loop;
  }

  /** Reading resumes after livepush paused it; see {@link SessionImpl#resumeReading()}. On the loop. */
  abstract void resumeReading();
}
