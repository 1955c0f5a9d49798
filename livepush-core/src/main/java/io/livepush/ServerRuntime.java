package io.livepush;

import io.livepush.internal.Admission;
import io.livepush.internal.BlockingExecutors;
import io.livepush.internal.Callbacks;
import io.livepush.internal.ClientAddress;
import io.livepush.internal.Http2Connections;
import io.livepush.internal.Hub;
import io.livepush.internal.ResponseHeaders;
import io.livepush.internal.RouterHandler;
import io.livepush.internal.ServerContext;
import io.livepush.internal.ServerInitializer;
import io.livepush.internal.StatsService;
import io.livepush.spi.EventBus;
import io.livepush.spi.ServerListener;
import io.livepush.spi.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one start of a {@link LivePushServer} runs on: its event loops, the hub, the transports, the child
 * pipeline and the listening socket. Made by {@link LivePushServer#start()}, torn down by {@link ServerShutdown}.
 */
final class ServerRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(LivePushServer.class);

  final LivePushConfig config;
  /** The socket I/O this start runs on, resolved from {@link LivePushConfig#ioTransport()}. */
  final IoChoice io;
  final EventLoopGroup bossGroup;
  final EventLoopGroup workerGroup;
  final Hub hub;
  /** The server's HTTP/2 connections, or {@code null} when HTTP/2 is off; set by {@link #start}. */
  volatile Http2Connections http2;
  /** Set once bound; {@code null} before and when binding failed. */
  volatile Channel serverChannel;
  /** The default blocking executor when the builder named none; shut down on stop. */
  volatile ExecutorService ownedBlocking;
  /** Whether {@link EventBus#start} was called: only then does {@link ServerShutdown} stop the bus. */
  volatile boolean busStarted;

  /**
   * Creates the event loops and the hub; nothing is bound or started yet. When this throws, the loops it had
   * created are shut down.
   */
  ServerRuntime(LivePushConfig config) {
    this.config = config;
    io = IoChoice.resolve(config.ioTransport());
    bossGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("livepush-accept"),
        io.ioHandlerFactory());
    EventLoopGroup workers = null;
    try {
      workers = new MultiThreadIoEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("livepush-io"),
          io.ioHandlerFactory());
      List<EventLoop> loops = new ArrayList<>();
      for (EventExecutor e : workers) {
        loops.add((EventLoop) e);
      }
      long epoch = new SecureRandom().nextLong() & 0xFF_FFFF_FFFFL; // 40 bits: 8 base-36 digits at most
      hub = new Hub(config, loops, epoch, System::nanoTime);
    } catch (RuntimeException | Error e) {
      if (workers != null) {
        workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      }
      bossGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
    workerGroup = workers;
  }

  /**
   * Wires the transports and services to the hub, starts the bus and binds. The future completes once the socket
   * accepts connections, or exceptionally with the bus's error, a {@link ServerBindException}, a transport's
   * {@link Transport#listen} failure, or whatever a transport's {@link Transport#init} or the bus threw; the caller
   * then stops the server ({@link ServerShutdown} undoes every step that ran). Never throws.
   */
  CompletableFuture<Void> start(ServerContext.Publisher publisher, Supplier<LivePushStats> stats) {
    try {
      return startOrThrow(publisher, stats);
    } catch (RuntimeException | Error e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private CompletableFuture<Void> startOrThrow(ServerContext.Publisher publisher, Supplier<LivePushStats> stats) {
    Hub h = hub;
    List<Transport> transports = config.transports();
    Executor blocking = config.blockingExecutor();
    if (blocking == null) {
      ownedBlocking = BlockingExecutors.create();
      blocking = ownedBlocking;
    }
    Callbacks callbacks = new Callbacks(config, blocking);
    h.callbacks(callbacks);
    Admission admission = new Admission(h, callbacks);
    for (int i = 0; i < transports.size(); i++) {
      transports.get(i).init(new ServerContext(h, admission, callbacks, transports.get(i), i, publisher));
    }
    List<HttpService> services = new ArrayList<>(config.httpServices());
    if (config.statsPath() != null) {
      services.add(0, new StatsService(config.statsPath(), config.objectMapper(), stats));
    }
    ServerInitializer initializer = initializer(h, transports, services, admission, callbacks);
    int high = config.maxPendingOutboundBytes();
    ServerBootstrap b = new ServerBootstrap()
        .group(bossGroup, workerGroup)
        .channel(io.serverChannel())
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        // One shared allocator with fixed-size reads: a push server reads little, and the default adaptive
        // allocator keeps an allocator, a handle and a size calculator per connection (≈ 130 B idle); on epoll
        // and NIO one handle per event loop too (LoopReadAllocator).
        .childOption(ChannelOption.RCVBUF_ALLOCATOR, LoopReadAllocator.forTransport(io.chosen))
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(high / 2, high))
        .childHandler(initializer);
    CompletableFuture<Void> started = new CompletableFuture<>();
    // With a bus, the log must continue the cluster's sequence before any client can subscribe.
    EventBus bus = config.bus();
    busStarted = bus != null;
    CompletionStage<Void> busReady = bus == null ? CompletableFuture.completedFuture(null) : bus.start(h.busSink());
    busReady.whenComplete((ok, busError) -> {
      if (busError != null) {
        started.completeExceptionally(busError);
        return;
      }
      try {
        if (bus != null) {
          bus.startPresence(h.presence()); // cluster-wide presence when the bus supports it
        }
        bind(b, h, transports, initializer, started);
      } catch (RuntimeException | Error e) {
        started.completeExceptionally(e);
      }
    });
    return started;
  }

  private ServerInitializer initializer(Hub h, List<Transport> transports, List<HttpService> services,
      Admission admission, Callbacks callbacks) {
    RouterHandler router = new RouterHandler(transports, services, config.allowedHosts(),
        config.authenticatedHttpServices(), admission, callbacks,
        config.heartbeatInterval().plus(config.heartbeatTimeout()).toNanos());
    ResponseHeaders responseHeaders = new ResponseHeaders(transports);
    http2 = config.http2() ? new Http2Connections(config, h.stats(), router, responseHeaders) : null;
    return new ServerInitializer(config, config.serverTls(), h.stats(), router, http2, responseHeaders);
  }

  /** The bound TCP listener as transports with a listener of their own see it. */
  private ServerListener serverListener(InetSocketAddress bound, ServerInitializer requests) {
    EventLoopGroup loops = workerGroup;
    Class<? extends DatagramChannel> datagrams = io.datagramChannel();
    return new ServerListener() {
      @Override
      public InetSocketAddress localAddress() {
        return bound;
      }

      @Override
      public EventLoopGroup eventLoops() {
        return loops;
      }

      @Override
      public Class<? extends DatagramChannel> datagramChannelType() {
        return datagrams;
      }

      @Override
      public void serveRequests(Channel channel, InetSocketAddress client) {
        ClientAddress.set(channel, client);
        requests.addRequestHandlers(channel.pipeline());
      }
    };
  }

  private void bind(ServerBootstrap b, Hub h, List<Transport> transports, ServerInitializer requests,
      CompletableFuture<Void> started) {
    b.bind(config.host(), config.port()).addListener(f -> {
      if (f.isSuccess()) {
        serverChannel = ((ChannelFuture) f).channel();
        h.startTimers();
        // Transports with a listener of their own (HTTP/3 on UDP) bind it now, at the same port number.
        ServerListener listener = serverListener((InetSocketAddress) serverChannel.localAddress(), requests);
        CompletableFuture<?>[] listening;
        try {
          listening = transports.stream()
              .map(t -> t.listen(listener).toCompletableFuture()).toArray(CompletableFuture[]::new);
        } catch (RuntimeException | Error e) { // a Netty listener's exception would only be logged
          started.completeExceptionally(e);
          return;
        }
        CompletableFuture.allOf(listening).whenComplete((v, e) -> {
          if (e != null) {
            started.completeExceptionally(e instanceof CompletionException && e.getCause() != null
                ? e.getCause() : e);
            return;
          }
          LOG.info("livepush listening on {} ({}, transports {})", serverChannel.localAddress(),
              io.describe(), transports.stream().map(Transport::name).toList());
          started.complete(null);
        });
      } else {
        started.completeExceptionally(new ServerBindException(config.host(), config.port(), f.cause()));
      }
    });
  }
}
