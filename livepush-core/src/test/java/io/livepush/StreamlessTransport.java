package io.livepush;

import io.livepush.spi.PublishedEvent;
import io.livepush.spi.Session;
import io.livepush.spi.Transport;
import io.livepush.spi.TransportContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import java.util.Collection;

/**
 * A test transport that never opens a session, so it never encodes anything: core's tests override the one part
 * they observe (init, handle, listen, routes).
 */
abstract class StreamlessTransport implements Transport {
  private final String name;

  StreamlessTransport(String name) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void init(TransportContext context) {}

  @Override
  public boolean handle(ChannelHandlerContext ctx, FullHttpRequest request) {
    return false;
  }

  @Override
  public byte[] encode(PublishedEvent event) {
    return new byte[0];
  }

  @Override
  public ByteBuf encodeReset(ByteBufAllocator alloc, String topic, ResetReason reason, EventId position) {
    throw new UnsupportedOperationException("no sessions");
  }

  @Override
  public ByteBuf encodeSubscribed(ByteBufAllocator alloc, Collection<String> topics, EventId position) {
    return null;
  }

  @Override
  public ByteBuf encodeHeartbeat(ByteBufAllocator alloc) {
    throw new UnsupportedOperationException("no sessions");
  }

  @Override
  public void close(Session session, CloseReason reason) {
    session.channel().close();
  }
}
