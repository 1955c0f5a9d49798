package io.livepush;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.RecvByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One read-allocator handle per event-loop thread on epoll and NIO, one per connection on io_uring and off the
 * loops (why: {@link LoopReadAllocator}). Every livepush test on a real socket reads through it (epoll, or NIO
 * where epoll is unavailable); livepush-websocket's {@code IoUringTransportTest} covers io_uring's handles.
 */
class LoopReadAllocatorTest {
  @Test
  void eachEventLoopThreadHasOneHandleAndOtherThreadsAFreshOne() throws Exception {
    EventLoop a = new DefaultEventLoop();
    EventLoop b = new DefaultEventLoop();
    try {
      RecvByteBufAllocator.Handle a1 = a.submit(LoopReadAllocator.INSTANCE::newHandle).get(10, TimeUnit.SECONDS);
      RecvByteBufAllocator.Handle a2 = a.submit(LoopReadAllocator.INSTANCE::newHandle).get(10, TimeUnit.SECONDS);
      RecvByteBufAllocator.Handle b1 = b.submit(LoopReadAllocator.INSTANCE::newHandle).get(10, TimeUnit.SECONDS);
      assertThat(a2).isSameAs(a1);
      assertThat(b1).isNotSameAs(a1);
      // The test thread is no event loop: never a shared handle.
      RecvByteBufAllocator.Handle t1 = LoopReadAllocator.INSTANCE.newHandle();
      assertThat(LoopReadAllocator.INSTANCE.newHandle()).isNotSameAs(t1).isNotSameAs(a1).isNotSameAs(b1);
    } finally {
      a.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      b.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }
  }

  @Test
  void onlyEpollAndNioShareHandles() throws Exception {
    assertThat(LoopReadAllocator.forTransport(IoTransport.EPOLL)).isSameAs(LoopReadAllocator.INSTANCE);
    assertThat(LoopReadAllocator.forTransport(IoTransport.NIO)).isSameAs(LoopReadAllocator.INSTANCE);
    RecvByteBufAllocator uring = LoopReadAllocator.forTransport(IoTransport.IO_URING);
    EventLoop loop = new DefaultEventLoop();
    try {
      RecvByteBufAllocator.Handle h1 = loop.submit(uring::newHandle).get(10, TimeUnit.SECONDS);
      RecvByteBufAllocator.Handle h2 = loop.submit(uring::newHandle).get(10, TimeUnit.SECONDS);
      assertThat(h2).isNotSameAs(h1); // io_uring keeps a channel's handle across submissions
    } finally {
      loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }
  }
}
