package io.livepush.webtransport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * First handler of every client-opened bidirectional stream: reads its first QUIC variable-length integer. The
 * WebTransport stream signal (0x41, draft-ietf-webtrans-http3 §4.2) followed by a session id makes it a
 * session's stream: Netty's HTTP/3 request-stream handlers behind this one are replaced by livepush.v1's
 * ({@link WtSessionStream}). Anything else is an HTTP/3 request: this handler leaves and hands the bytes read so
 * far to the HTTP/3 frame codec unchanged. Holds at most 16 bytes. Event loop only.
 */
final class WtStreamSniffer extends ByteToMessageDecoder {
  /** WT_STREAM, the signal value that starts a WebTransport bidirectional stream. */
  static final long WT_STREAM = 0x41;

  private final WtConnection connection;
  private final int maxMessageSize;

  WtStreamSniffer(WtConnection connection, int maxMessageSize) {
    this.connection = connection;
    this.maxMessageSize = maxMessageSize;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    int start = in.readerIndex();
    int typeLength = Varints.length(in.getByte(start));
    if (in.readableBytes() < typeLength) {
      return;
    }
    if (Varints.get(in, start) != WT_STREAM) {
      ctx.pipeline().remove(this); // an HTTP/3 request: the codec gets every byte, this one's included
      return;
    }
    if (in.readableBytes() < typeLength + 1) {
      return;
    }
    int idLength = Varints.length(in.getByte(start + typeLength));
    if (in.readableBytes() < typeLength + idLength) {
      return;
    }
    long sessionId = Varints.get(in, start + typeLength);
    in.skipBytes(typeLength + idLength);
    ChannelPipeline p = ctx.pipeline();
    // Netty's request-stream handlers (frame codec, validators, our WtConnect) follow this one: drop them.
    while (p.last() != this) {
      p.removeLast();
    }
    WtSessionStream stream = new WtSessionStream(connection, sessionId);
    p.addLast(WtFrames.decoder(maxMessageSize), stream);
    p.remove(this); // what follows the session id goes to the message decoder
    WtConnect connect = connection.session(sessionId);
    if (connect == null) {
      stream.refuse(); // no such session (draft §4.2: the stream is reset)
    } else {
      connect.attach(stream);
    }
  }
}
