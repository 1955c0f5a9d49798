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
import java.util.Properties;
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
   * 4,096). One delivery task writes to every subscribed connection of its loop before the loop reaps
   * completions, so a loop with more than 4,096 subscribers would overflow the default; the kernel then parks
   * extra completions in a slower overflow list rather than dropping them, so the size trades memory for speed,
   * never for data. (The overflow warnings of the first io-compare came from {@link #IOV_MAX}'s empty writes,
   * not from this size.)
   */
  static final int IO_URING_CQ_ENTRIES = 32_768;
  /** Netty's system property for the entries of each io_uring loop's shared iovec array. */
  static final String IOVEC_ARRAY_PROPERTY = "io.netty.iouring.numElementsIoVec";
  /**
   * Linux's {@code IOV_MAX} ({@code UIO_MAXIOV}, 1,024 on every architecture), the value {@link #capIovecArray}
   * gives {@link #IOVEC_ARRAY_PROPERTY}. Netty 4.2.18's io_uring loop sizes its shared iovec array at
   * 10 × {@code IOV_MAX} entries, but {@code IovArray.add} refuses entries past {@code IOV_MAX} while
   * {@code IovArray.isFull()} looks only at the capacity, and the array is cleared only when the loop submits
   * with it. A delivery task that gathers more than 1,024 buffers into writes before the loop submits (a
   * fan-out to more than about 500 connections of one loop) therefore queued every further connection's write as
   * a {@code writev} of zero iovecs: it completes with 0 bytes, counts as "all written", and is queued again,
   * so most submissions did nothing (96 % of 75,000 {@code writev}/s in the bench, docs/benchmarks.md "io_uring").
   * With the capacity equal to the limit, {@code isFull()} is true exactly when {@code add} would refuse, and
   * the loop submits and clears the array before the next connection's write.
   */
  static final int IOV_MAX = 1024;

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
        capIovecArray(System.getProperties()); // before IoUring's class initialisation reads it
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

  /**
   * Sets {@link #IOVEC_ARRAY_PROPERTY} in {@code props} to {@link #IOV_MAX} unless it is set already (an
   * operator's value wins). Takes effect only if Netty's {@code IoUring} class is not yet initialised in this JVM,
   * which is why {@link #resolve} calls it before anything touches that class; docs/operations.md says what to
   * pass when other code initialises io_uring first.
   *
   * @return whether it set the property
   */
  static boolean capIovecArray(Properties props) {
    synchronized (props) {
      if (props.getProperty(IOVEC_ARRAY_PROPERTY) != null) {
        return false;
      }
      props.setProperty(IOVEC_ARRAY_PROPERTY, Integer.toString(IOV_MAX));
      return true;
    }
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
