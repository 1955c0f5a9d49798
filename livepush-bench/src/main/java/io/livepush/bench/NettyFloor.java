package io.livepush.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.util.concurrent.FastThreadLocal;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Netty's own per-connection floor (issue 18): a bare epoll server whose only handler is ONE shared instance, so
 * each accepted connection costs exactly what Netty's channel costs (channel, config, pipeline with head, tail and
 * one context, outbound buffer, addresses, read-allocator handle) and nothing of livepush. It answers an SSE
 * request with a {@code 200 text/event-stream} head and then holds the connection idle, and serves the control
 * endpoints the generator and {@code histo.sh} poll ({@code /bench/conns}, {@code /bench/mem}, {@code /bench/heap}),
 * closing those connections. Child options are livepush's ({@code ServerRuntime}): TCP_NODELAY, an 8 KiB
 * {@link FixedRecvByteBufAllocator} and the default 1 MiB high water mark.
 *
 * <pre>java -cp ... io.livepush.bench.Main netty-floor --port 8194 --max-seconds 300 [--recv fixed|shared]</pre>
 */
final class NettyFloor {
  private NettyFloor() {}

  private static final byte[] SSE_HEAD = ("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
      + "cache-control: no-store\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

  static void main(Options o) throws Exception {
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(o.integer("io-threads", 1), EpollIoHandler.newFactory());
    Floor floor = new Floor();
    Channel ch = new ServerBootstrap().group(boss, workers).channel(EpollServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.RCVBUF_ALLOCATOR, o.string("recv", "fixed").equals("shared")
            ? new SharedHandleAllocator(new FixedRecvByteBufAllocator(8192)) : new FixedRecvByteBufAllocator(8192))
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(512 * 1024, 1024 * 1024))
        .childHandler(floor)
        .bind("127.0.0.1", o.integer("port", 8194)).sync().channel();
    System.out.println("netty floor on " + ch.localAddress() + " pid " + ProcessHandle.current().pid());
    Thread.sleep(o.integer("max-seconds", 300) * 1000L);
    boss.shutdownGracefully();
    workers.shutdownGracefully();
  }

  /**
   * {@code --recv shared}: what Netty's read-allocator handle costs per channel. The handle is state of one read
   * loop (reset at its start), and an epoll or NIO event loop runs one channel's read loop at a time, so one
   * handle per loop thread would do; the epoll channel still wraps it in a handle of its own. livepush does the
   * same on epoll and NIO ({@code io.livepush.LoopReadAllocator}), not on io_uring, which keeps a handle across
   * submissions.
   */
  private static final class SharedHandleAllocator implements RecvByteBufAllocator {
    private final FastThreadLocal<Handle> handles;

    SharedHandleAllocator(RecvByteBufAllocator delegate) {
      this.handles = new FastThreadLocal<>() {
        @Override
        protected Handle initialValue() {
          return delegate.newHandle();
        }
      };
    }

    @Override
    public Handle newHandle() {
      return handles.get();
    }
  }

  /** The one handler of every connection: no per-connection state at all (the count is global). */
  @ChannelHandler.Sharable
  private static final class Floor extends ChannelInboundHandlerAdapter {
    private final AtomicInteger active = new AtomicInteger();

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      active.incrementAndGet();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      active.decrementAndGet();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      String path;
      try {
        String head = in.toString(in.readerIndex(), Math.min(in.readableBytes(), 64), StandardCharsets.US_ASCII);
        if (!head.startsWith("GET ")) {
          return; // the rest of a request already answered: idle connections send nothing more
        }
        int end = head.indexOf(' ', 4);
        path = end < 0 ? head.substring(4) : head.substring(4, end);
      } finally {
        in.release();
      }
      if (!path.startsWith("/bench/")) {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(SSE_HEAD), ctx.voidPromise());
        return;
      }
      String body = switch (path) {
        case "/bench/conns" -> Integer.toString(active.get() - 1); // less this control connection
        case "/bench/mem" -> "0 " + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        case "/bench/heap" -> Proc.heapAfterGc();
        default -> "";
      };
      byte[] b = body.getBytes(StandardCharsets.US_ASCII);
      String reply = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: " + b.length
          + "\r\nconnection: close\r\n\r\n" + body;
      ctx.writeAndFlush(Unpooled.wrappedBuffer(reply.getBytes(StandardCharsets.US_ASCII)))
          .addListener(ChannelFutureListener.CLOSE);
    }
  }
}
