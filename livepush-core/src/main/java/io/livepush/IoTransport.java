package io.livepush;

/**
 * The socket I/O a {@link LivePushServer} runs on, chosen with {@link LivePushServer.Builder#ioTransport}. The
 * server resolves the choice once, in {@link LivePushServer#start()}, and logs what it chose and why
 * ({@code "livepush listening on ... (io_uring, ...)"}, plus a warning naming the cause when a native transport
 * that was asked for is unavailable); {@link LivePushServer#ioTransportInUse()} reports the result.
 *
 * <p>The native transports need their library jar on the class path (livepush brings {@code linux-x86_64} and
 * {@code linux-aarch_64} builds of both) and a Linux kernel that allows them; io_uring also needs
 * {@code kernel.io_uring_disabled = 0} and is often blocked in containers by their seccomp profile. Nothing
 * else changes with the transport: every livepush feature, bound and guard works the same on all of them.
 */
public enum IoTransport {
  /** epoll where available, else NIO (the default); io_uring is never picked automatically. */
  AUTO("auto"),
  /** Netty's native epoll transport ({@code EpollIoHandler}); falls back to NIO where it is unavailable. */
  EPOLL("epoll"),
  /**
   * Netty 4.2's native io_uring transport ({@code IoUringIoHandler}: submissions batched across sockets);
   * falls back to epoll, then NIO, where it is unavailable. Measured, not assumed, to be faster: see
   * docs/benchmarks.md.
   */
  IO_URING("io_uring"),
  /** The JDK's NIO selector ({@code NioIoHandler}): always available, more heap per connection. */
  NIO("nio");

  private final String label;

  IoTransport(String label) {
    this.label = label;
  }

  /**
   * {@return the lower-case name used in logs and on command lines: {@code auto}, {@code epoll},
   * {@code io_uring} or {@code nio}}
   */
  public String label() {
    return label;
  }

  /**
   * The transport with the given {@link #label()} (case-insensitive; {@code io-uring} and {@code iouring} are
   * accepted for {@code io_uring}).
   *
   * @param label the name, e.g. from a command-line flag or a property
   * @return the transport
   * @throws IllegalArgumentException if {@code label} names none (the message lists the valid names)
   * @throws NullPointerException if {@code label} is {@code null}
   */
  public static IoTransport fromLabel(String label) {
    String l = label.trim().toLowerCase(java.util.Locale.ROOT).replace('-', '_');
    if (l.equals("iouring")) {
      l = "io_uring";
    }
    for (IoTransport t : values()) {
      if (t.label.equals(l)) {
        return t;
      }
    }
    throw new IllegalArgumentException("ioTransport: " + io.livepush.spi.LogSafe.of(label, 32)
        + " (expected: auto, epoll, io_uring or nio)");
  }
}
