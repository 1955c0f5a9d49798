package io.livepush;

import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;

/**
 * The accepted connections' read allocator on epoll and NIO: fixed 8 KiB reads, with ONE handle per event-loop
 * thread instead of one per connection (issue 18: 72 B per idle connection, see docs/benchmarks.md).
 *
 * <p>Why one handle per loop is correct there: a handle is the state of one read loop, reset at its start
 * ({@code reset(config)}) and finished at its end ({@code readComplete()}), and an epoll or NIO event loop runs one
 * channel's read loop at a time, to its end, on its own thread (reading another channel never happens inside a
 * {@code channelRead}: it waits for the loop's next readiness event). The epoll channel keeps its per-channel state
 * (the peer's half-close) in a wrapper of its own around this handle. Not on io_uring: a read is a submission whose
 * completion comes back later, and the channel keeps its handle across them, so {@link ServerRuntime} gives io_uring
 * a handle per connection. A handle asked for off an event-loop thread (Netty makes it at the first read, on the
 * loop) is a fresh one, never shared.
 */
final class LoopReadAllocator implements RecvByteBufAllocator {
  /** What livepush reads with: a push server reads little (requests, pongs, livepush.v1 messages). */
  static final FixedRecvByteBufAllocator FIXED = new FixedRecvByteBufAllocator(8192);

  private static final FastThreadLocal<Handle> HANDLES = new FastThreadLocal<>() {
    @Override
    protected Handle initialValue() {
      return FIXED.newHandle();
    }
  };

  /** One allocator serves every server: the handles are per thread. */
  static final LoopReadAllocator INSTANCE = new LoopReadAllocator();

  private LoopReadAllocator() {}

  @Override
  public Handle newHandle() {
    return Thread.currentThread() instanceof FastThreadLocalThread ? HANDLES.get() : FIXED.newHandle();
  }

  /** The allocator for a server's accepted connections on {@code io} (what runs, not what was asked for). */
  static RecvByteBufAllocator forTransport(IoTransport io) {
    return io == IoTransport.EPOLL || io == IoTransport.NIO ? INSTANCE : FIXED;
  }
}
