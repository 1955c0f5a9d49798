package io.livepush.internal;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.SocketAddress;

/**
 * The client's address for a channel: its remote address, or, for a channel that is not a socket (an HTTP/3
 * request stream, whose remote address names the QUIC stream), the address its listener recorded
 * ({@link io.livepush.spi.ServerListener#serveRequests}). What {@link io.livepush.RequestInfo#remoteAddress()},
 * the per-address limit and the authentication-failure throttle see. Any thread.
 */
public final class ClientAddress {
  private static final AttributeKey<SocketAddress> CLIENT = AttributeKey.valueOf("livepush.clientAddress");

  private ClientAddress() {}

  /** Records {@code client} as {@code channel}'s client address. */
  public static void set(Channel channel, SocketAddress client) {
    channel.attr(CLIENT).set(client);
  }

  /** The recorded client address of {@code channel}, else its remote address. */
  public static SocketAddress of(Channel channel) {
    if (channel.hasAttr(CLIENT)) {
      SocketAddress a = channel.attr(CLIENT).get();
      if (a != null) {
        return a;
      }
    }
    return channel.remoteAddress();
  }
}
