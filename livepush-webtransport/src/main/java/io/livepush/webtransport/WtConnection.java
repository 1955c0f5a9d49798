package io.livepush.webtransport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http3.DefaultHttp3GoAwayFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3SettingsFrame;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.ReferenceCountUtil;
import java.util.HashMap;
import java.util.Map;

/**
 * One QUIC connection's WebTransport state, in front of Netty's {@code Http3ServerConnectionHandler} in the
 * connection's pipeline: it puts a {@link WtStreamSniffer} first on every client-opened bidirectional stream (so a
 * WebTransport stream is taken away from the HTTP/3 frame codec before it reads a byte), keeps the sessions of the
 * connection by id, drops inbound HTTP datagrams and knows whether outbound ones are allowed (the peer's
 * {@code SETTINGS_H3_DATAGRAM}, RFC 9297 §2.1.1, and its QUIC {@code max_datagram_frame_size}, RFC 9221). Event
 * loop only (the connection's).
 */
final class WtConnection extends ChannelInboundHandlerAdapter {
  private final WebTransportTransport transport;
  /** Sessions by id (their CONNECT stream's id); at most {@code maxSessionsPerConnection}. */
  private final Map<Long, WtConnect> sessions = new HashMap<>();
  /** Highest client-initiated bidirectional stream id seen, for GOAWAY; -1 before the first. */
  private long lastStreamId = -1;
  private Channel channel;
  /** The peer sent SETTINGS_H3_DATAGRAM = 1: it accepts HTTP datagrams (RFC 9297 §2.1.1). */
  private boolean peerAcceptsDatagrams;
  /**
   * Largest QUIC DATAGRAM payload the peer and the path take, in bytes, as QUIC computed it when the handshake
   * completed ({@code quiche_conn_dgram_max_writable_len}); 0 without the extension.
   */
  private int maxDatagramLength;

  WtConnection(WebTransportTransport transport) {
    this.transport = transport;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof QuicStreamChannel) {
      QuicStreamChannel stream = (QuicStreamChannel) msg;
      if (stream.type() == QuicStreamType.BIDIRECTIONAL && !stream.isLocalCreated()) {
        lastStreamId = Math.max(lastStreamId, stream.streamId());
        stream.pipeline().addFirst(new WtStreamSniffer(this, transport.maxMessageSize));
      }
      ctx.fireChannelRead(msg);
      return;
    }
    if (msg instanceof ByteBuf) {
      // An HTTP datagram (RFC 9297): livepush.v1 sends none upstream; dropped, so a flood holds no memory.
      ReferenceCountUtil.release(msg);
      return;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof QuicDatagramExtensionEvent) {
      maxDatagramLength = ((QuicDatagramExtensionEvent) evt).maxLength();
    }
    ctx.fireUserEventTriggered(evt);
  }

  /**
   * The room for one HTTP datagram's payload (Quarter Stream ID included), in bytes: 0 unless the peer
   * accepts HTTP datagrams and negotiated the QUIC extension.
   */
  int datagramRoom() {
    return peerAcceptsDatagrams ? maxDatagramLength : 0;
  }

  Channel channel() {
    return channel;
  }

  /**
   * Netty's HTTP/3 handler forwards the peer's control-stream frames here (its SETTINGS first, RFC 9114 §6.2.1):
   * notes whether the peer accepts HTTP datagrams, releases every frame.
   */
  ChannelHandler controlStreamObserver() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
          if (msg instanceof Http3SettingsFrame) {
            Boolean on = ((Http3SettingsFrame) msg).settings().h3DatagramEnabled();
            peerAcceptsDatagrams = on != null && on;
          }
        } finally {
          ReferenceCountUtil.release(msg);
        }
      }
    };
  }

  WebTransportTransport transport() {
    return transport;
  }

  /** Whether another session fits on this connection. */
  boolean hasRoom() {
    return sessions.size() < transport.maxSessionsPerConnection;
  }

  void register(long sessionId, WtConnect connect) {
    sessions.put(sessionId, connect);
  }

  void unregister(long sessionId, WtConnect connect) {
    sessions.remove(sessionId, connect);
  }

  /** The established or pending session {@code id}, or {@code null}. */
  WtConnect session(long id) {
    return sessions.get(id);
  }

  /** Sends GOAWAY (RFC 9114 §5.2): no request after the last one seen will be served. */
  void goAway() {
    QuicStreamChannel control = Http3.getLocalControlStream(channel);
    if (control != null) {
      control.writeAndFlush(new DefaultHttp3GoAwayFrame(lastStreamId + 4));
    }
  }

  /**
   * Netty's factory for unknown unidirectional stream types: WebTransport ones (0x54) and any other are refused
   * at once with STOP_SENDING (WT_BUFFERED_STREAM_REJECTED; livepush.v1 uses none), so they hold nothing.
   */
  static ChannelHandler refuseUnidirectional(long type) {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void handlerAdded(ChannelHandlerContext ctx) {
        WtSessionStream.reset((QuicStreamChannel) ctx.channel(), WtErrors.WT_BUFFERED_STREAM_REJECTED);
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
      }
    };
  }
}
