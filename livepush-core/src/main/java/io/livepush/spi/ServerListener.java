package io.livepush.spi;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import java.net.InetSocketAddress;

/**
 * The core's bound TCP listener, as given to {@link Transport#listen}: what a transport that serves a listener of
 * its own beside it (livepush-webtransport: HTTP/3 on UDP) needs to bind it at the same port number, on the
 * server's event loops. Immutable; safe from any thread.
 */
public interface ServerListener {
  /**
   * The address the core's TCP listener is bound to.
   *
   * @return the bound address; its port is the chosen one when the server was built with port 0
   */
  InetSocketAddress localAddress();

  /**
   * The server's I/O event loops (the ones serving TCP connections). Channels whose streams become sessions must
   * be registered on one of them: the core serves sessions only on its own loops. Shut down by the core when the
   * server stops, after {@link Transport#stopListening()}; a transport never shuts them down.
   *
   * @return the server's worker event loop group
   */
  EventLoopGroup eventLoops();

  /**
   * The datagram channel class that matches {@link #eventLoops()}' I/O (epoll or NIO).
   *
   * @return a {@link DatagramChannel} class with a public no-argument constructor
   */
  Class<? extends DatagramChannel> datagramChannelType();

  /**
   * Serves HTTP requests on {@code channel} as the TCP listener serves them (an HTTP/3 request stream, RFC 9114
   * §4.1): appends the core's request handlers to its pipeline, as on an HTTP/2 stream ({@link PipelineNames}:
   * {@code [requestDeadline] → httpAggregator → router}), so the request reaches the same transports,
   * {@code HttpService}s, admission stage and limits (request body at most {@code maxRequestBytes}: 413; a body
   * not complete within {@code requestHeaderTimeout}: 408) as on TCP. The caller's handlers before them must
   * deliver one request as {@code HttpRequest}, {@code HttpContent}s and a {@code LastHttpContent}, and take
   * {@code HttpResponse}/{@code HttpContent} writes; the one named {@link PipelineNames#HTTP_CODEC} is the one a
   * transport removes when the stream becomes raw bytes (SSE), after which a {@code ByteBuf} written must still
   * reach the client as response body bytes. {@code client} stands for the channel's remote address (a QUIC
   * stream's names the stream): {@link io.livepush.RequestInfo#remoteAddress()}, the per-address limit and the
   * authentication-failure throttle use it. Call on {@code channel}'s event loop, before it reads; never blocks.
   *
   * @param channel a channel registered on one of {@link #eventLoops()}, carrying one request
   * @param client the client's address (for QUIC, the connection's remote UDP address)
   */
  void serveRequests(Channel channel, InetSocketAddress client);
}
