package io.livepush.webtransport;

import io.livepush.CloseReason;
import io.livepush.spi.AdmittedRequest;
import io.livepush.spi.LogSafe;
import io.livepush.spi.PendingOutbound;
import io.livepush.spi.Session;
import io.livepush.websocket.CloseCodes;
import io.livepush.websocket.V1Session;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebTransport session's livepush.v1 stream: the client-opened bidirectional stream whose signal named the
 * session. Messages arrive split by Netty's {@code LengthFieldBasedFrameDecoder} ({@link WtFrames}); text ones
 * go to the protocol (the superclass {@link V1Session}: one object per session), which answers through {@link #encodeText}. The core's session lives on
 * this stream's channel (its writes, budget and writability are this stream's). Ending either stream ends the
 * session: {@link #closeFor} sends the close capsule on the CONNECT stream and FIN here. Event loop only.
 */
final class WtSessionStream extends V1Session implements PendingOutbound {
  private static final Logger LOG = LoggerFactory.getLogger(WtSessionStream.class);
  /** How long a closed session's stream waits for its last bytes to leave before it is reset. */
  private static final long CLOSE_TIMEOUT_MILLIS = 1000;

  private final WtConnection connection;
  private final long sessionId;
  private QuicStreamChannel channel;
  private WtConnect connect;
  // Volatile: V1Session.isClosing() is read off the event loop (authorizer and reply callbacks), as WsHandler's is.
  private volatile boolean closing;
  /**
   * Bytes of datagrams written to the QUIC connection and not yet taken into QUIC's datagram queue: they count
   * against the session's outbound budget with the stream's own pending bytes.
   */
  private long datagramBytesPending;
  /** The stream's writes not yet taken by QUIC. */
  private final PendingWrites writes = new PendingWrites();
  /** Datagrams were written since the last flush: the stream's flush flushes the connection too. */
  private boolean datagramsUnflushed;

  WtSessionStream(WtConnection connection, long sessionId) {
    super(connection.transport().v1, null);
    this.connection = connection;
    this.sessionId = sessionId;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = (QuicStreamChannel) ctx.channel();
  }

  /** The session's CONNECT was admitted: opens the core's session on this stream. */
  void start(AdmittedRequest admitted) {
    if (closing || !channel.isActive()) {
      admitted.release();
      return;
    }
    open(admitted);
  }

  /**
   * Not a stream of a live session, or a second one: reset and stop-sending with WT_BUFFERED_STREAM_REJECTED
   * (draft-ietf-webtrans-http3 §4.6), then closed.
   */
  void refuse() {
    closing = true;
    reset(channel, WtErrors.WT_BUFFERED_STREAM_REJECTED);
  }

  static void reset(QuicStreamChannel ch, int code) {
    if (ch.isActive()) {
      ch.shutdown(code).addListener(f -> ch.close());
    }
  }

  /** The CONNECT stream ended: so does the session. */
  void connectGone() {
    Session s = session();
    if (s != null && !s.isClosed()) {
      s.close(CloseReason.CLIENT_CLOSED);
    }
    finish();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (!(msg instanceof ByteBuf) || closing) {
        return;
      }
      ByteBuf m = (ByteBuf) msg;
      Session s = session();
      if (s == null) {
        // Messages before the 200: the client did not wait for the session to be ready.
        closeWith(CloseCodes.POLICY_VIOLATION, "message before the session was established");
        return;
      }
      s.markRead();
      int kind = m.readUnsignedByte();
      m.skipBytes(4);
      if (kind != WtFrames.TEXT) {
        closeWith(CloseCodes.UNSUPPORTED_DATA, "binary messages are not supported");
        return;
      }
      String text;
      try {
        text = strictUtf8().decode(m.nioBuffer()).toString();
      } catch (CharacterCodingException e) {
        closeWith(CloseCodes.INVALID_PAYLOAD, "message is not UTF-8");
        return;
      }
      onText(text);
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  /**
   * Sends one encoded live event as an HTTP datagram of this session (RFC 9297 §2.1: the Quarter Stream ID of
   * the CONNECT stream, then the event framed as on the stream), when the client asked for datagrams, the
   * connection negotiated them, the datagram fits the path and its bytes fit the session's remaining budget.
   * Otherwise {@code false}: the caller writes the event on the stream. Takes {@code event}'s reference only
   * when it returns {@code true}.
   */
  boolean sendDatagram(ByteBuf event) {
    if (closing || !datagramsRequested()) {
      return false;
    }
    long quarterStreamId = sessionId >>> 2;
    int size = Varints.size(quarterStreamId) + event.readableBytes();
    // Within QUIC's send capacity and within what the session's budget has left (docs/protocol.md, Datagrams).
    if (size > connection.datagramRoom() || datagramBytesPending + size >= channel.bytesBeforeUnwritable()
        || pendingOutboundBytes() + size > connection.transport().context.config().maxPendingOutboundBytes()) {
      return false;
    }
    ByteBuf datagram = channel.alloc().directBuffer(size);
    try {
      Varints.write(datagram, quarterStreamId);
      datagram.writeBytes(event);
    } finally {
      event.release();
    }
    datagramBytesPending += size;
    datagramsUnflushed = true;
    // Completes once QUIC took it into its datagram queue, or dropped it (queue full: an unreliable path).
    connection.channel().write(datagram).addListener(f -> datagramBytesPending -= size);
    return true;
  }

  /** Every write on the session's stream is counted until Netty's QUIC stream took it (the session's budget). */
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    writes.write(ctx, msg, promise);
  }

  /** The stream's writes not yet taken by QUIC, and the datagrams not yet in QUIC's datagram queue. */
  @Override
  public long pendingOutboundBytes() {
    return writes.pending() + datagramBytesPending;
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    if (datagramsUnflushed) {
      datagramsUnflushed = false;
      connection.channel().flush();
    }
    ctx.flush();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable() && !closing) {
      onWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  /** The client ended its side (FIN): it will send nothing more, which ends the session. */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent && !closing) {
      Session s = session();
      if (s != null) {
        s.close(CloseReason.CLIENT_CLOSED);
      } else {
        finish();
      }
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closing = true;
    discard();
    WtConnect c = connect;
    if (c != null) {
      c.end(CloseCodes.NORMAL, "");
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (closing) {
      return;
    }
    if (cause instanceof TooLongFrameException) {
      closeWith(CloseCodes.MESSAGE_TOO_BIG, "message over " + connection.transport().maxMessageSize + " bytes");
    } else if (cause instanceof IOException || cause instanceof io.netty.handler.codec.quic.QuicException) {
      ctx.close();
    } else {
      LOG.warn("WebTransport session stream {} failed", channel, LogSafe.throwable(cause));
      closeWith(CloseCodes.INTERNAL_ERROR, "internal error");
    }
  }

  void attachedTo(WtConnect c) {
    this.connect = c;
  }

  /** Called by the transport once the core decided to close the session. */
  void closeFor(CloseReason reason) {
    if (reason == CloseReason.APPLICATION) {
      closeWith(applicationCloseCode(), applicationCloseReason());
    } else {
      closeWith(CloseCodes.of(reason), CloseCodes.reasonText(reason));
    }
  }

  /** Sends the close capsule (CONNECT stream), then FIN here once what was written left. */
  private void closeWith(int code, String reason) {
    if (closing) {
      return;
    }
    WtConnect c = connect;
    if (c != null) {
      c.end(code, reason);
    }
    finish();
  }

  /** FIN after the bytes written so far; reset with WT_SESSION_GONE if they cannot leave within a second. */
  private void finish() {
    if (closing) {
      return;
    }
    closing = true;
    Channel ch = channel;
    if (!ch.isActive()) {
      return;
    }
    ch.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(f -> {
      if (f.isSuccess()) {
        ((QuicStreamChannel) ch).shutdownOutput();
      } else {
        ch.close();
      }
    });
    ch.eventLoop().schedule(() -> {
      reset((QuicStreamChannel) ch, WtErrors.WT_SESSION_GONE);
    }, CLOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
  }

  // ---- V1Session's transport side ---------------------------------------------------------------------------

  @Override
  protected Channel channel() {
    return channel;
  }

  @Override
  protected ByteBuf encodeText(ByteBufAllocator alloc, String json) {
    return WtFrames.text(alloc, json);
  }

  @Override
  protected void closeTransport(int code, String reason) {
    closeWith(code, reason);
  }

  @Override
  protected boolean isClosing() {
    return closing;
  }

  @Override
  public String toString() {
    return "WebTransportSession{id=" + sessionId + ", " + super.toString() + '}';
  }
}
