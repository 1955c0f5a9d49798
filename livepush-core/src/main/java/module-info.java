/**
 * livepush's core: the server, its configuration and events ({@code io.livepush}) and the transport SPI
 * ({@code io.livepush.spi}). The implementation package {@code io.livepush.internal} is not exported.
 *
 * <p>{@code requires transitive} names every module whose types appear in exported signatures (Netty channels,
 * buffers, HTTP messages, Jackson's {@code ObjectMapper}), so a module that requires this one reads
 * them too. The native epoll library is optional: its jar ({@code io.netty.transport.epoll.linux.x86_64} or
 * {@code ...aarch_64}) is only resolved on the module path with {@code --add-modules}; without it the server uses
 * NIO (see docs/operations.md). The same holds for the io_uring library
 * ({@code io.netty.transport.io_uring.linux.x86_64} or {@code ...aarch_64}), used only when asked for
 * ({@link io.livepush.IoTransport#IO_URING}).
 */
module io.livepush.core {
  requires transitive io.netty.common;
  requires transitive io.netty.buffer;
  requires transitive io.netty.transport;
  requires transitive io.netty.codec;
  requires transitive io.netty.codec.http;
  requires transitive io.netty.handler;
  requires io.netty.codec.http2;
  requires transitive com.fasterxml.jackson.databind;
  requires io.netty.transport.classes.epoll;
  requires io.netty.transport.classes.io_uring;
  requires io.netty.transport.unix.common;
  requires org.slf4j;

  exports io.livepush;
  exports io.livepush.spi;
}
