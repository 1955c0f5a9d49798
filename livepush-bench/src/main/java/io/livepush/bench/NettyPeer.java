package io.livepush.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Second peer: the stock Netty WebSocket pipeline (codec, aggregator, {@link WebSocketServerProtocolHandler})
 * with a {@link DefaultChannelGroup}, broadcasting {@code group.writeAndFlush(new TextWebSocketFrame(..))}
 * from the publisher thread, as most Netty WebSocket servers do. Same control endpoints and payload as
 * {@link BenchServer}; no heartbeats (stock Netty has none).
 */
final class NettyPeer {
  private NettyPeer() {}

  static void main(Options o) throws Exception {
    ChannelGroup group = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    AtomicLong seq = new AtomicLong();
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(o.integer("io-threads", 1), EpollIoHandler.newFactory());
    ChannelHandler app = new App(group, seq);
    Channel ch = new ServerBootstrap().group(boss, workers).channel(EpollServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel c) {
            c.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                new WebSocketServerProtocolHandler("/ws", "livepush.v1"), app);
          }
        }).bind("127.0.0.1", o.integer("port", 8092)).sync().channel();
    System.out.println("netty peer on " + ch.localAddress() + " pid " + ProcessHandle.current().pid());
    Thread.sleep(o.integer("max-seconds", 900) * 1000L);
    boss.shutdownGracefully();
    workers.shutdownGracefully();
  }

  @ChannelHandler.Sharable
  private static final class App extends SimpleChannelInboundHandler<Object> {
    private final ChannelGroup group;
    private final AtomicLong seq;

    App(ChannelGroup group, AtomicLong seq) {
      this.group = group;
      this.seq = seq;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof TextWebSocketFrame) {
        if (((TextWebSocketFrame) msg).text().contains("\"subscribe\"")) {
          group.add(ctx.channel());
          ctx.writeAndFlush(new TextWebSocketFrame("{\"type\":\"subscribed\",\"topics\":[\"bench\"],\"id\":\""
              + seq.get() + "\"}"));
        }
        return;
      }
      if (!(msg instanceof FullHttpRequest)) {
        return;
      }
      QueryStringDecoder q = new QueryStringDecoder(((FullHttpRequest) msg).uri());
      String body;
      switch (q.path()) {
        case "/bench/heap":
          body = Proc.heapAfterGc();
          break;
        case "/bench/conns":
          body = Integer.toString(group.size());
          break;
        case "/bench/clock": // the publisher's stamp clock, for the generator's clock check (ClockCheck)
          body = Long.toString(System.nanoTime());
          break;
        case "/bench/mem":
          body = "0 " + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
          break;
        case "/bench/publish": {
          double rate = Double.parseDouble(q.parameters().get("rate").get(0));
          double seconds = Double.parseDouble(q.parameters().get("seconds").get(0));
          int size = Integer.parseInt(q.parameters().getOrDefault("size", java.util.List.of("64")).get(0));
          Thread t = new Thread(() -> publish(rate, seconds, size), "publisher");
          t.setDaemon(true);
          t.start();
          body = "ok";
          break;
        }
        default:
          body = null;
      }
      FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          body == null ? HttpResponseStatus.NOT_FOUND : HttpResponseStatus.OK,
          Unpooled.copiedBuffer(body == null ? "" : body, StandardCharsets.UTF_8));
      res.headers().set(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
      ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // resets when the generator exits are expected
    }

    private void publish(double rate, double seconds, int size) {
      OpenLoop.run(rate, seconds, intended -> {
        long s = seq.incrementAndGet();
        group.writeAndFlush(new TextWebSocketFrame("{\"type\":\"event\",\"topic\":\"bench\",\"id\":\"" + s
            + "\",\"event\":null,\"data\":" + Payload.json(s, intended, size) + "}"));
      });
    }
  }
}
