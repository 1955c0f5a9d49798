package io.livepush.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * The load generator: thousands of SSE or WebSocket (livepush.v1) clients on Netty epoll in one JVM. Each
 * connection is one small handler (no HTTP codec, no frame objects): it parses the response head, then the
 * SSE body or the WebSocket frames byte by byte, answers pings, and feeds payload bytes to a
 * {@link ValueScanner} that extracts the sequence number and the intended publish time. Latency
 * ({@code System.nanoTime()} at receive minus intended time) goes into an HdrHistogram {@link Recorder}.
 *
 * <p>Bounded: one process holds at most the connections asked for; the per-process file limit (20,000 on the
 * measurement box) is the caller's concern (see {@code Main}).
 */
public final class LoadGen extends Generator {
  /**
   * Which protocol a subscriber speaks: SSE over HTTP/1.1, WebSocket (livepush.v1), SSE over HTTP/2 cleartext
   * with prior knowledge (many streams per connection, {@link H2Client}), or long-polling ({@link LongPoller}).
   */
  public enum Kind { SSE, WS, H2, LONGPOLL }

  private static final byte[] WS_KEY = "dGhlIHNhbXBsZSBub25jZQ==".getBytes(StandardCharsets.US_ASCII);

  private final EventLoopGroup group;
  private final boolean ownsGroup;
  private final Bootstrap bootstrap;
  private final InetSocketAddress server;
  private final List<String> sourceAddresses;
  private final AtomicInteger nextSource = new AtomicInteger();

  /** Connections that have seen a sequence number >= {@link #targetSeq}. */
  public final AtomicInteger caughtUp = new AtomicInteger();
  /** Time the last connection caught up. */
  public volatile long allCaughtUpAt;
  public volatile long targetSeq = Long.MAX_VALUE;
  private volatile int expectedCaughtUp = Integer.MAX_VALUE;
  /** HTTP/2 streams per connection for {@link Kind#H2}. */
  private volatile int streamsPerConnection = 100;
  private H2Client h2; // the connection new HTTP/2 streams go to while it has room; opening thread only
  /** HTTP/2 connections opened for {@link Kind#H2} streams. */
  public final AtomicInteger h2Connections = new AtomicInteger();
  /** Long-polls answered (by an event or the timeout) and sent again. */
  public final LongAdder repolls = new LongAdder();

  /** How many HTTP/2 streams {@link Kind#H2} opens on one connection before it opens the next (default 100). */
  public void streamsPerConnection(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("streams per connection: " + n + " (expected: >= 1)");
    }
    streamsPerConnection = n;
  }

  void caughtUp() {
    if (caughtUp.incrementAndGet() == expectedCaughtUp) {
      allCaughtUpAt = System.nanoTime();
    }
  }

  InetSocketAddress server() {
    return server;
  }

  public LoadGen(InetSocketAddress server, int threads, List<String> sourceAddresses) {
    this(server, newGroup(threads), true, sourceAddresses);
  }

  /**
   * A generator on event loops shared with other generators of this process (one per target server, as the
   * cluster generator has): {@link #close()} leaves {@code group} running; its owner shuts it down.
   *
   * @param group from {@link #newGroup}
   */
  LoadGen(InetSocketAddress server, EventLoopGroup group, List<String> sourceAddresses) {
    this(server, group, false, sourceAddresses);
  }

  private LoadGen(InetSocketAddress server, EventLoopGroup group, boolean ownsGroup, List<String> sourceAddresses) {
    this.server = server;
    this.sourceAddresses = List.copyOf(sourceAddresses);
    this.group = group;
    this.ownsGroup = ownsGroup;
    bootstrap = new Bootstrap().group(group)
        .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000);
  }

  /** Event loops for generators: epoll where available (the channels {@link LoadGen} makes match), else NIO. */
  static EventLoopGroup newGroup(int threads) {
    IoHandlerFactory io = Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("gen"), io);
  }

  /** Expect {@code n} connections to reach {@link #targetSeq}; {@link #allCaughtUpAt} is set when they do. */
  public void expectCaughtUp(int n, long seq) {
    caughtUp.set(0);
    allCaughtUpAt = 0;
    expectedCaughtUp = n;
    targetSeq = seq;
  }

  /**
   * Opens {@code count} connections in batches of {@code batch}, waiting for each batch's handshakes (or
   * failures) before the next. {@code batch >= count} opens all at once (the replay storm).
   *
   * @param from resume id (SSE Last-Event-ID, WS subscribe "from"), or null
   */
  public void open(Kind kind, String topic, String from, int count, int batch, long timeoutMs)
      throws InterruptedException {
    byte[] request = kind == Kind.SSE ? sseRequest(topic, from) : kind == Kind.WS ? request(kind, topic) : null;
    byte[] subscribe = kind == Kind.WS ? wsFrame(1, subscribeJson(topic, from)) : null;
    long deadline = System.currentTimeMillis() + timeoutMs;
    for (int done = 0; done < count; ) {
      int n = Math.min(batch, count - done);
      CountDownLatch latch = new CountDownLatch(n);
      for (int i = 0; i < n; i++) {
        switch (kind) {
          case H2 -> openStream(topic, from, latch);
          case LONGPOLL -> LongPoller.poll(this, topic, from, latch);
          default -> connectOne(new ClientHandler(kind, request, subscribe, latch));
        }
      }
      if (!latch.await(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("handshakes timed out: " + latch.getCount() + " of " + n
            + " pending (established " + established.get() + ", failed " + failed.get() + ")");
      }
      done += n;
    }
  }

  /** One more SSE stream over HTTP/2: on the current connection while it has room, else on a new one. */
  private void openStream(String topic, String from, CountDownLatch latch) {
    if (h2 == null || !h2.reserve()) {
      h2 = new H2Client(this, streamsPerConnection);
      h2Connections.incrementAndGet();
      h2.reserve();
      connectOne(h2);
    }
    h2.openStream(topic, from, latch);
  }

  /** Connects one channel with {@code handler} as its only handler (from the next source address). */
  void connectOne(io.netty.channel.ChannelHandler handler) {
    Bootstrap b = bootstrap.clone().handler(handler);
    ChannelFuture f;
    if (sourceAddresses.isEmpty()) {
      f = b.connect(server);
    } else {
      String src = sourceAddresses.get(Math.floorMod(nextSource.getAndIncrement(), sourceAddresses.size()));
      f = b.connect(server, new InetSocketAddress(src, 0));
    }
    f.addListener(x -> {
      if (!x.isSuccess()) {
        ((Connecting) handler).connectFailed("connect: " + x.cause());
      }
    });
  }

  /** A handler told when its connection attempt failed (it counts its subscribers as failed). */
  interface Connecting {
    void connectFailed(String why);
  }

  static String subscribeJson(String topic, String from) {
    return "{\"type\":\"subscribe\",\"topics\":[\"" + topic + "\"]"
        + (from == null ? "" : ",\"from\":\"" + from + "\"") + "}";
  }

  private byte[] request(Kind kind, String topic) {
    String host = server.getHostString() + ":" + server.getPort();
    return ("GET /ws HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: " + new String(WS_KEY, StandardCharsets.US_ASCII) + "\r\n"
        + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: livepush.v1\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private byte[] sseRequest(String topic, String from) {
    String host = server.getHostString() + ":" + server.getPort();
    return ("GET /events?topic=" + topic + " HTTP/1.1\r\nHost: " + host + "\r\nAccept: text/event-stream\r\n"
        + (from == null ? "" : "Last-Event-ID: " + from + "\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  /** A masked client frame (RFC 6455 §5.3) with an all-zero key, so the payload bytes stay as they are. */
  static byte[] wsFrame(int opcode, String text) {
    return wsFrame(opcode, text.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] wsFrame(int opcode, byte[] payload) {
    int n = payload.length;
    if (n > 65535) {
      throw new IllegalArgumentException("frame: " + n + " bytes (expected: <= 65535)");
    }
    int head = n <= 125 ? 2 : 4;
    byte[] out = new byte[head + 4 + n];
    out[0] = (byte) (0x80 | opcode);
    if (n <= 125) {
      out[1] = (byte) (0x80 | n);
    } else {
      out[1] = (byte) (0x80 | 126);
      out[2] = (byte) (n >>> 8);
      out[3] = (byte) n;
    }
    System.arraycopy(payload, 0, out, head + 4, n);
    return out;
  }

  /** Set by {@link #close()}: long-pollers stop polling again. */
  volatile boolean closing;

  /** Closes every connection and stops the event loops (when this generator owns them; else their owner does). */
  @Override
  public void close() {
    closing = true;
    if (ownsGroup) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** One client connection: response head, then SSE bytes or WebSocket frames. */
  private final class ClientHandler extends ChannelInboundHandlerAdapter implements Connecting {
    private final Kind kind;
    private final byte[] request;
    private final byte[] subscribe;
    private final Receiver rx;
    private int last4; // the last four head bytes, to find CRLFCRLF
    private int headBytes;
    private boolean inBody;
    // WebSocket frame parser state.
    private int hdrPos;
    private int opcode;
    private int lenCode;
    private long remaining;
    private byte[] control;
    private int controlLen;

    ClientHandler(Kind kind, byte[] request, byte[] subscribe, CountDownLatch latch) {
      this.kind = kind;
      this.request = request;
      this.subscribe = subscribe;
      this.rx = new Receiver(LoadGen.this, latch);
    }

    @Override
    public void connectFailed(String why) {
      rx.ended(why);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.writeAndFlush(Unpooled.wrappedBuffer(request), ctx.voidPromise());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      rx.ended(kind + " closed before the handshake completed (" + headBytes + " response bytes)");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!rx.handshaken() && firstFailure == null) {
        firstFailure = kind + ": " + cause;
      }
      ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf buf = (ByteBuf) msg;
      try {
        rx.now = System.nanoTime();
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end && !inBody) {
          byte b = buf.getByte(i++);
          if (headBytes == 9 && b != '2' && b != '1') {
            ctx.close(); // neither 200 nor 101
            return;
          }
          headBytes++;
          last4 = (last4 << 8) | (b & 0xFF);
          if (last4 == 0x0D0A0D0A) {
            inBody = true;
            if (kind == Kind.SSE) {
              rx.handshakeDone();
            } else {
              ctx.writeAndFlush(Unpooled.wrappedBuffer(subscribe), ctx.voidPromise());
            }
          }
        }
        if (kind == Kind.SSE) {
          if (i < end) {
            buf.forEachByte(i, end - i, rx); // no per-byte bounds checks: the generator must outrun the server
          }
        } else {
          frames(ctx, buf, i, end);
        }
      } finally {
        ReferenceCountUtil.release(buf);
      }
    }

    private void frames(ChannelHandlerContext ctx, ByteBuf buf, int i, int end) {
      while (i < end) {
        if (remaining == 0 && hdrPos >= 0) {
          // Header: byte 0, byte 1, then 0, 2 or 8 length bytes (server frames are never masked).
          byte b = buf.getByte(i++);
          if (hdrPos == 0) {
            opcode = b & 0x0F;
            hdrPos = 1;
            continue;
          }
          if (hdrPos == 1) {
            lenCode = b & 0x7F;
            remaining = 0;
            hdrPos = lenCode == 126 ? 2 : lenCode == 127 ? 8 : 0;
            if (hdrPos == 0) {
              remaining = lenCode;
              startPayload(ctx);
            } else {
              hdrPos = -hdrPos; // count extended length bytes down
            }
            continue;
          }
          continue;
        }
        if (hdrPos < 0) {
          remaining = (remaining << 8) | (buf.getByte(i++) & 0xFF);
          hdrPos++;
          if (hdrPos == 0) {
            startPayload(ctx);
          }
          continue;
        }
        int n = (int) Math.min(remaining, end - i);
        if (opcode >= 8) {
          buf.getBytes(i, control, controlLen, n);
          controlLen += n;
        } else {
          buf.forEachByte(i, n, rx);
        }
        i += n;
        remaining -= n;
        if (remaining == 0) {
          endPayload(ctx);
        }
      }
    }

    private void startPayload(ChannelHandlerContext ctx) {
      if (opcode >= 8) {
        control = new byte[(int) Math.min(125, remaining)];
        controlLen = 0;
      }
      if (remaining == 0) {
        endPayload(ctx);
      }
    }

    private void endPayload(ChannelHandlerContext ctx) {
      if (opcode == 9) { // ping -> pong with the same application data (RFC 6455 §5.5.3)
        byte[] data = java.util.Arrays.copyOf(control, controlLen);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(wsFrame(10, data)), ctx.voidPromise());
      } else if (opcode == 8) {
        ctx.close();
      } else if (opcode == 1 || opcode == 0) {
        rx.endMessage(); // a message end also ends a trailing number
        rx.handshakeDone(); // the first text message is "subscribed"
      }
      control = null;
      hdrPos = 0;
    }
  }
}
