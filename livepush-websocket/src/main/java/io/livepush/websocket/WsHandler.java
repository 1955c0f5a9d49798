package io.livepush.websocket;

import io.livepush.CloseReason;
import io.livepush.spi.AdmittedRequest;
import io.livepush.spi.LogSafe;
import io.livepush.spi.Session;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-connection end of the WebSocket pipeline: opens the session after the handshake, reassembles
 * messages and hands complete text messages to the livepush.v1 protocol (its superclass {@link V1Session}, one
 * object per connection; or echoes in conformance mode), answers pings and close frames and sends livepush's own
 * close codes: RFC 6455 framing, nothing of livepush.v1. State is confined to the event loop except where marked
 * volatile.
 */
final class WsHandler extends V1Session {
  private static final Logger LOG = LoggerFactory.getLogger(WsHandler.class);
  /** The key under which Netty's protocol handler keeps the handshaker (same name, so the same constant). */
  private static final AttributeKey<WebSocketServerHandshaker> NETTY_HANDSHAKER =
      AttributeKey.valueOf(WebSocketServerHandshaker.class, "HANDSHAKER");

  private final WebSocketTransport transport;
  private Channel channel;
  private volatile boolean closing;
  /** Components of {@link #partial} before it consolidates, as Netty's MessageAggregator default. */
  private static final int MAX_COMPONENTS = 1024;
  /**
   * The fragmented message being reassembled (RFC 6455 §5.4), at most {@code maxMessageSize} bytes; {@code null}
   * between messages. Owned here: released when complete, on close and on removal.
   */
  private CompositeByteBuf partial;
  private boolean partialText;
  /** Bytes of a text {@link #partial} checked as UTF-8 so far (an incomplete last sequence is checked again). */
  private int partialChecked;
  /** Our close frame went out: RFC 6455 §5.5.1, nothing more may follow it (event loop only). */
  private boolean closeFrameSent;

  /** {@code admitted} is held until the handshake completes; {@code null} over capacity (the client gets 1013). */
  WsHandler(WebSocketTransport transport, AdmittedRequest admitted) {
    super(transport.v1, admitted);
    this.transport = transport;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
      slimPipeline(ctx.pipeline());
      AdmittedRequest a = admitted();
      if (a == null) {
        sendClose(CloseCodes.TRY_AGAIN_LATER, "server at capacity, try again later");
        return;
      }
      // The slot passes to the session. Its events, resets and heartbeats are complete frames (never compressed),
      // so they enter after the frame encoder: the tail, this handler and the encoders are not walked per write.
      open(a).writeFrom(ctx.pipeline().context(WebSocketFrameEncoder.class));
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  /**
   * Drops what only the handshake needed, so an idle connection keeps Netty's frame codec (with the
   * permessage-deflate handlers when negotiated) and this handler, which also checks UTF-8 and reassembles
   * messages: Netty's protocol handler (its ping, pong and close duties are done here) and its handshaker
   * attribute.
   */
  private static void slimPipeline(ChannelPipeline p) {
    if (p.get(WebSocketTransport.PROTOCOL) != null) {
      p.remove(WebSocketTransport.PROTOCOL);
    }
    p.channel().attr(NETTY_HANDSHAKER).remove();
  }

  /** Drops writes after our close frame (Netty's protocol handler did this before it was removed). */
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (closeFrameSent) {
      ReferenceCountUtil.release(msg);
      if (!promise.isVoid()) {
        promise.tryFailure(new ClosedChannelException());
      }
      return;
    }
    if (msg instanceof CloseWebSocketFrame) {
      closeFrameSent = true;
      Session s = session();
      if (s != null) {
        s.writeFrom(null); // the session's writes pass here again, and are dropped
      }
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closing = true;
    releasePartial();
    discard(); // also releases the admitted request if the handshake never completed
    releasePendingPong();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (!(msg instanceof WebSocketFrame)) {
        return; // nothing else can arrive after the upgrade
      }
      Session s = session();
      if (s != null) {
        s.markRead(); // any frame, pongs included, proves the peer alive
      }
      if (msg instanceof CloseWebSocketFrame) {
        onClose((CloseWebSocketFrame) msg);
        return;
      }
      if (msg instanceof PingWebSocketFrame) {
        // RFC 6455 §5.5.3: a pong with the ping's application data (at most 125 bytes, checked by the decoder).
        if (!closing) {
          pong(ctx, ((PingWebSocketFrame) msg).content().retain());
        }
        return;
      }
      if (s == null || closing || msg instanceof PongWebSocketFrame) {
        return;
      }
      WebSocketFrame frame = (WebSocketFrame) msg;
      if (frame instanceof ContinuationWebSocketFrame || !frame.isFinalFragment()) {
        WebSocketFrame whole = aggregate(ctx, frame);
        if (whole != null) {
          try {
            onMessage(ctx, whole);
          } finally {
            whole.release();
          }
        }
        return;
      }
      onMessage(ctx, frame);
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  /**
   * Adds a fragment; returns the whole message (the caller releases it) after the final one, else {@code null}.
   * The decoder already rejects fragments out of sequence with 1002, so a data frame here starts a message and
   * a continuation continues one.
   */
  private WebSocketFrame aggregate(ChannelHandlerContext ctx, WebSocketFrame f) {
    if (!(f instanceof ContinuationWebSocketFrame)) {
      releasePartial();
      partialText = f instanceof TextWebSocketFrame;
      partial = ctx.alloc().compositeBuffer(MAX_COMPONENTS);
      partialChecked = 0;
    } else if (partial == null) {
      return null;
    }
    ByteBuf content = f.content();
    if (partial.readableBytes() + content.readableBytes() > transport.maxMessageSize) {
      releasePartial();
      sendClose(CloseCodes.MESSAGE_TOO_BIG, "message over " + transport.maxMessageSize + " bytes");
      return null;
    }
    partial.addComponent(true, content.retain());
    if (!f.isFinalFragment()) {
      if (partialText && !checkFragments()) {
        releasePartial();
      }
      return null;
    }
    ByteBuf whole = partial;
    partial = null;
    return partialText ? new TextWebSocketFrame(true, 0, whole) : new BinaryWebSocketFrame(true, 0, whole);
  }

  private void releasePartial() {
    CompositeByteBuf p = partial;
    if (p != null) {
      partial = null;
      p.release();
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    releasePartial();
    releasePendingPong();
  }

  /** A complete text or binary message. */
  private void onMessage(ChannelHandlerContext ctx, WebSocketFrame msg) {
    String text = null;
    if (msg instanceof TextWebSocketFrame) {
      text = utf8(msg.content());
      if (text == null) {
        return;
      }
    }
    if (transport.echo) {
      if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
        ctx.writeAndFlush(msg.retainedDuplicate());
      }
      return;
    }
    if (text != null) {
      onText(text);
    } else if (msg instanceof BinaryWebSocketFrame) {
      sendClose(CloseCodes.UNSUPPORTED_DATA, "binary messages are not supported");
    }
  }

  // ---- UTF-8 (RFC 6455 §5.6, §8.1) ---------------------------------------------------------------------------
  // Checked here rather than by Netty's Utf8FrameValidator, which would be one more handler (and context, and
  // validator) on every idle connection (issue 18: 112 B). The JDK's strict decoder rejects what RFC 3629 does
  // (overlong forms, surrogates, code points above U+10FFFF: V1Session.strictUtf8, which WebTransport uses too); a
  // fragmented message fails at the first fragment that makes it invalid, as Netty's validator did.

  /** Where {@link #checkFragments} decodes to (and drops) a fragment's text: one per thread, not per fragment. */
  private static final FastThreadLocal<CharBuffer> CHECK_SCRATCH = new FastThreadLocal<>() {
    @Override
    protected CharBuffer initialValue() {
      return CharBuffer.allocate(4096);
    }
  };

  /** The text of a whole message, or {@code null} after sending 1007 when it is not UTF-8. */
  private String utf8(ByteBuf content) {
    try {
      return strictUtf8().decode(content.nioBuffer()).toString();
    } catch (CharacterCodingException e) {
      sendClose(CloseCodes.INVALID_PAYLOAD, "text is not UTF-8");
      return null;
    }
  }

  /**
   * Checks the bytes of the text message being reassembled that arrived since the last check; a sequence cut
   * by the fragment's end is checked again with the next one. Returns {@code false} after sending 1007.
   */
  private boolean checkFragments() {
    ByteBuffer in = partial.nioBuffer(partialChecked, partial.writerIndex() - partialChecked);
    int start = in.position();
    CharsetDecoder d = strictUtf8();
    CharBuffer scratch = CHECK_SCRATCH.get().clear();
    CoderResult r;
    while ((r = d.decode(in, scratch, false)).isOverflow()) {
      scratch.clear();
    }
    if (r.isError()) {
      sendClose(CloseCodes.INVALID_PAYLOAD, "text is not UTF-8");
      return false;
    }
    partialChecked += in.position() - start;
    return true;
  }

  /** RFC 6455 §5.5.1: answer a close with a close (echoing the code), unless ours went first; then drop TCP. */
  private void onClose(CloseWebSocketFrame frame) {
    if (closing) {
      channel.close();
      return;
    }
    closing = true;
    int code = frame.statusCode();
    CloseWebSocketFrame answer = code < 0 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, "");
    channel.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * Maps decoder failures to close codes. Once the connection is closing (our close frame sent, or Netty's
   * decoder sent one), later failures, typically every further frame of a client that goes on
   * sending after a protocol error, are discarded without logging: at most one log line per connection.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (closing) {
      if (cause instanceof IOException) {
        ctx.close();
      }
      return;
    }
    if (cause instanceof CorruptedFrameException) {
      // Netty's decoder already sent 1002/1007/1009 (a close reason that is not UTF-8: 1007) and closes.
      closing = true;
      ctx.close();
    } else if (cause instanceof TooLongFrameException) {
      sendClose(CloseCodes.MESSAGE_TOO_BIG, "message over " + transport.maxMessageSize + " bytes");
    } else if (cause instanceof DecompressionException && !causedBy(cause, DataFormatException.class)) {
      // Netty's inflater reached the permessageDeflate limit (its only DecompressionException without a
      // DataFormatException for raw DEFLATE).
      sendClose(CloseCodes.MESSAGE_TOO_BIG, "inflated message too big");
    } else if (cause instanceof DecoderException) {
      // Every other decoder failure after the upgrade comes from the permessage-deflate decoder: the data does
      // not inflate (zlib's DataFormatException, or Netty's "cannot read uncompressed buffer"), which is data
      // inconsistent with the message (RFC 6455 §7.4.1).
      sendClose(CloseCodes.INVALID_PAYLOAD, "message does not inflate");
    } else if (cause instanceof IOException) {
      ctx.close();
    } else {
      LOG.warn("WebSocket connection {} failed", channel, LogSafe.throwable(cause));
      sendClose(CloseCodes.INTERNAL_ERROR, "internal error");
    }
  }

  private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
    for (int i = 0; t != null && i < 8; i++, t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  /** Called by {@link WebSocketTransport#close} once the core decided to close the session. */
  void closeFor(CloseReason reason) {
    if (reason == CloseReason.APPLICATION) {
      sendClose(applicationCloseCode(), applicationCloseReason());
    } else {
      sendClose(CloseCodes.of(reason), CloseCodes.reasonText(reason));
    }
  }



  /**
   * Sends a close frame once, then closes TCP when the client answers (see {@link #onClose}) or after
   * {@link WebSocketTransport#CLOSE_TIMEOUT_MILLIS}. Waiting for the answer, instead of closing at once, keeps
   * the kernel from resetting the connection over unread input, which could destroy the close frame.
   */
  void sendClose(int code, String reason) {
    if (closing) {
      return;
    }
    closing = true;
    Channel ch = channel;
    ch.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(f -> {
      if (!f.isSuccess()) {
        ch.close();
      }
    });
    ch.eventLoop().schedule(() -> {
      ch.close();
    }, WebSocketTransport.CLOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
  }

  // ---- pings waiting for the budget ------------------------------------------------------------------------
  // Requests wait in the protocol (V1Session) while the connection is over its outbound budget; a ping waits
  // here as one pending pong (RFC 6455 §5.5.3 allows answering only the latest).

  /** The application data of the latest ping not answered yet. */
  private ByteBuf pendingPong;

  private void pong(ChannelHandlerContext ctx, ByteBuf data) {
    if (ctx.channel().isWritable()) {
      ctx.writeAndFlush(new PongWebSocketFrame(data));
      return;
    }
    releasePendingPong();
    pendingPong = data;
  }

  private void releasePendingPong() {
    ByteBuf p = pendingPong;
    if (p != null) {
      pendingPong = null;
      p.release();
    }
  }

  /** The core fires this after its own work for the event (replay, owed resets): serve what waited. */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable() && !closing) {
      ByteBuf p = pendingPong;
      if (p != null) {
        pendingPong = null;
        ctx.writeAndFlush(new PongWebSocketFrame(p));
      }
      onWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  // ---- V1Session's transport side ---------------------------------------------------------------------------

  @Override
  protected Channel channel() {
    return channel;
  }

  @Override
  protected ByteBuf encodeText(ByteBufAllocator alloc, String json) {
    return WsFrames.textFrame(alloc, json);
  }

  @Override
  protected void closeTransport(int code, String reason) {
    sendClose(code, reason);
  }

  @Override
  protected boolean isClosing() {
    return closing;
  }
}
