package io.livepush;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringServerSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resolved {@link IoTransport}: which Netty I/O handler, server socket channel and datagram channel one start
 * of a server uses. A native transport that was asked for and is unavailable falls back (io_uring → epoll → NIO)
 * with a warning naming Netty's reason, once per start.
 */
final class IoChoice {
  private static final Logger LOG = LoggerFactory.getLogger(LivePushServer.class);
  /**
   * Completion-queue entries per io_uring event loop (16 B each: 512 KiB per loop, against Netty's default of
   * 4,096). With the default, fan-out to a few hundred sockets already logged "CompletionQueue overflow detected"
   * (bench smoke, 500 subscribers); the kernel then parks extra completions in a slower overflow list rather than
   * dropping them, so the size trades memory for speed, never for data. 32,768 made the warning rarer there, not
   * impossible: docs/benchmarks.md's io-compare is what tells whether io_uring pays.
   */
  static final int IO_URING_CQ_ENTRIES = 32_768;

  final IoTransport requested;
  /** What runs: {@link IoTransport#EPOLL}, {@link IoTransport#IO_URING} or {@link IoTransport#NIO}. */
  final IoTransport chosen;

  private IoChoice(IoTransport requested, IoTransport chosen) {
    this.requested = requested;
    this.chosen = chosen;
  }

  /** Resolves {@code requested} against what this JVM and kernel offer; logs a fallback. */
  static IoChoice resolve(IoTransport requested) {
    IoTransport chosen = switch (requested) {
      case NIO -> IoTransport.NIO;
      case AUTO -> Epoll.isAvailable() ? IoTransport.EPOLL : IoTransport.NIO;
      case EPOLL -> {
        if (Epoll.isAvailable()) {
          yield IoTransport.EPOLL;
        }
        LOG.warn("epoll requested but unavailable ({}); using nio", Epoll.unavailabilityCause().toString());
        yield IoTransport.NIO;
      }
      case IO_URING -> {
        if (IoUring.isAvailable()) {
          yield IoTransport.IO_URING;
        }
        IoTransport fallback = Epoll.isAvailable() ? IoTransport.EPOLL : IoTransport.NIO;
        LOG.warn("io_uring requested but unavailable ({}); using {}", IoUring.unavailabilityCause().toString(),
            fallback.label());
        yield fallback;
      }
    };
    return new IoChoice(requested, chosen);
  }

  IoHandlerFactory ioHandlerFactory() {
    return switch (chosen) {
      case IO_URING -> IoUringIoHandler.newFactory(new IoUringIoHandlerConfig().setCqSize(IO_URING_CQ_ENTRIES));
      case EPOLL -> EpollIoHandler.newFactory();
      default -> NioIoHandler.newFactory();
    };
  }

  Class<? extends ServerChannel> serverChannel() {
    return switch (chosen) {
      case IO_URING -> IoUringServerSocketChannel.class;
      case EPOLL -> EpollServerSocketChannel.class;
      default -> NioServerSocketChannel.class;
    };
  }

  Class<? extends DatagramChannel> datagramChannel() {
    return switch (chosen) {
      case IO_URING -> IoUringDatagramChannel.class;
      case EPOLL -> EpollDatagramChannel.class;
      default -> NioDatagramChannel.class;
    };
  }

  /** {@code "io_uring"}, or {@code "nio (io_uring requested)"} after a fallback: for the start-up log line. */
  String describe() {
    return requested == chosen || requested == IoTransport.AUTO
        ? chosen.label() : chosen.label() + " (" + requested.label() + " requested)";
  }
}
