package io.livepush.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

/**
 * One HTTP/2 cleartext connection of the generator, opened with prior knowledge (RFC 9113 §3.3), carrying up to
 * {@code capacity} SSE streams ({@code GET /events?topic=...}). Built for a low cost per stream: Netty's
 * {@link Http2ConnectionHandler} with one frame listener for the whole connection (no child channel, no frame
 * objects, no HTTP codec per stream); a stream's state is its {@link Receiver}, found by stream id in an array
 * (client stream ids are odd and in order). DATA is acknowledged as consumed at once (the listener returns
 * the bytes processed), with a 1 MiB stream window and 16 MiB more on the connection so WINDOW_UPDATEs are rare.
 *
 * <p>Threads: {@link #reserve()} and {@link #openStream} run on the thread that opens subscribers; everything
 * else on the connection's event loop. Streams asked for before the connection is up wait in a queue.
 */
final class H2Client extends ChannelInboundHandlerAdapter implements LoadGen.Connecting {
  private static final int STREAM_WINDOW = 1 << 20;
  private static final int CONNECTION_WINDOW_EXTRA = 16 << 20;

  private final LoadGen gen;
  private final int capacity;
  private final Receiver[] streams;
  private final Queue<Object[]> pending = new ConcurrentLinkedQueue<>();
  private int reserved; // opening thread only
  private Http2ConnectionHandler http2;
  private volatile Channel channel;

  H2Client(LoadGen gen, int capacity) {
    this.gen = gen;
    this.capacity = capacity;
    this.streams = new Receiver[capacity + 2]; // ids 3, 5, ...: a client's stream 1 is kept for the h2c upgrade
  }

  /** Takes one stream slot; {@code false} when the connection is full. */
  boolean reserve() {
    if (reserved == capacity) {
      return false;
    }
    reserved++;
    return true;
  }

  /** Opens one SSE stream (after {@link #reserve()}); its handshake counts down {@code latch}. */
  void openStream(String topic, String from, CountDownLatch latch) {
    pending.add(new Object[] {new Receiver(gen, latch), topic, from});
    Channel ch = channel;
    if (ch != null) {
      ch.eventLoop().execute(this::drain);
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    http2 = new Http2ConnectionHandlerBuilder()
        .server(false)
        .initialSettings(Http2Settings.defaultSettings().initialWindowSize(STREAM_WINDOW))
        .frameListener(new Listener())
        .build();
    ctx.pipeline().addBefore(ctx.name(), null, http2);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    Http2Connection c = http2.connection();
    c.local().flowController().incrementWindowSize(c.connectionStream(), CONNECTION_WINDOW_EXTRA);
    channel = ctx.channel();
    drain();
    super.channelActive(ctx);
  }

  private void drain() {
    Channel ch = channel;
    ChannelHandlerContext h2ctx = ch.pipeline().context(http2);
    boolean wrote = false;
    for (Object[] p; (p = pending.poll()) != null; ) {
      Receiver rx = (Receiver) p[0];
      if (h2ctx == null || !ch.isActive()) {
        rx.ended("h2: connection closed before the stream opened");
        continue;
      }
      int id = http2.connection().local().incrementAndGetNextStreamId();
      if (id < 0 || id >>> 1 >= streams.length) {
        rx.ended("h2: no stream id left on this connection (" + id + ")");
        continue;
      }
      streams[id >>> 1] = rx;
      String from = (String) p[2];
      Http2Headers headers = new DefaultHttp2Headers().method("GET").scheme("http")
          .authority(gen.server().getHostString() + ":" + gen.server().getPort())
          .path("/events?topic=" + p[1]).add("accept", "text/event-stream");
      if (from != null) {
        headers.add("last-event-id", from);
      }
      http2.encoder().writeHeaders(h2ctx, id, headers, 0, true, h2ctx.newPromise().addListener(f -> {
        if (!f.isSuccess()) {
          end(id, "h2 HEADERS: " + f.cause());
        }
      }));
      wrote = true;
    }
    if (wrote) {
      ch.flush();
    }
  }

  private Receiver at(int streamId) {
    int i = streamId >>> 1;
    return i < streams.length ? streams[i] : null;
  }

  private void end(int streamId, String why) {
    Receiver rx = at(streamId);
    if (rx != null) {
      streams[streamId >>> 1] = null;
      rx.ended(why);
    }
  }

  @Override
  public void connectFailed(String why) {
    for (Object[] p; (p = pending.poll()) != null; ) {
      ((Receiver) p[0]).ended(why);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    for (int i = 0; i < streams.length; i++) {
      if (streams[i] != null) {
        end(i << 1 | 1, "h2: connection closed before the response head");
      }
    }
    connectFailed("h2: connection closed before the stream opened");
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (gen.firstFailure == null) {
      gen.firstFailure = "h2: " + cause;
    }
    ctx.close();
  }

  /** Frames of every stream of the connection. */
  private final class Listener extends Http2FrameAdapter {
    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
        boolean endOfStream) {
      Receiver rx = at(streamId);
      if (rx == null) {
        return;
      }
      CharSequence status = headers.status();
      if (status != null && status.toString().equals("200")) {
        rx.handshakeDone();
      } else if (status != null) {
        end(streamId, "h2 stream: status " + status);
        return;
      }
      if (endOfStream) {
        end(streamId, "h2 stream ended with its head");
      }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
        short weight, boolean exclusive, int padding, boolean endOfStream) {
      onHeadersRead(ctx, streamId, headers, padding, endOfStream);
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding,
        boolean endOfStream) {
      int n = data.readableBytes();
      Receiver rx = at(streamId);
      if (rx != null) {
        rx.now = System.nanoTime();
        if (n > 0) {
          data.forEachByte(data.readerIndex(), n, rx);
        }
        if (endOfStream) {
          end(streamId, "h2 stream ended");
        }
      }
      return n + padding; // consumed: the flow controller returns it to the server
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
      end(streamId, "h2 RST_STREAM " + errorCode);
    }
  }
}
