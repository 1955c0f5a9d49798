package io.livepush;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A keep-alive client that pipelines HTTP requests (an HTTP service, the stats endpoint) and never reads the
 * responses: its pending bytes stay within the outbound budget plus one response, it is no longer read, and it
 * is closed — by the next request found over budget, or by the stall bound when it sends no more. Raw sockets
 * with a small receive window, so the kernel's buffers fill early; the request-head deadline is off, so the
 * stall bound alone must close the quiet one.
 */
class PipelinedHttpBudgetTest {
  static final int BUDGET = 32 * 1024;
  static final int RESPONSE_BYTES = 16 * 1024;
  /** A response's status line and headers. */
  static final int HEAD_SLACK = 512;

  private LivePushServer server;
  private final CompletableFuture<Channel> channel = new CompletableFuture<>();
  private final AtomicLong peak = new AtomicLong();
  private final AtomicInteger served = new AtomicInteger();

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private void start() {
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .maxPendingOutboundBytes(BUDGET)
        .heartbeatInterval(Duration.ofSeconds(1)).heartbeatTimeout(Duration.ofSeconds(1))
        .requestHeaderTimeout(Duration.ZERO)
        .statsService("/stats")
        .httpService(HttpService.nonBlocking((request, body) -> {
          if (request.path().equals("/huge")) {
            return HttpReply.text(200, "h".repeat(8 << 20));
          }
          if (!request.path().equals("/big")) {
            return null;
          }
          served.incrementAndGet();
          return HttpReply.text(200, "b".repeat(RESPONSE_BYTES));
        }))
        .transport(new PeakProbe())
        .build();
    server.start().join();
  }

  private Socket connect() throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(1024); // before connect: the advertised window stays small
    s.connect(new InetSocketAddress("127.0.0.1", server.port()));
    return s;
  }

  /** Writes {@code count} pipelined GETs from a thread of its own (the writes block once the server stops reading). */
  private static Thread pipeline(Socket s, String path, int count) {
    Thread t = new Thread(() -> {
      byte[] one = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
      try {
        OutputStream out = s.getOutputStream();
        for (int i = 0; i < count; i++) {
          out.write(one);
        }
        out.flush();
      } catch (IOException closedByTheServer) {
        // expected: the server closed the connection
      }
    }, "pipeliner");
    t.setDaemon(true);
    t.start();
    return t;
  }

  @Test
  void aClientPipeliningServiceRequestsWithoutReadingIsBoundedAndClosed() throws Exception {
    start();
    try (Socket s = connect()) {
      Thread writer = pipeline(s, "/big", 5_000); // 80 MB of answers asked for
      Channel ch = channel.get(10, TimeUnit.SECONDS);
      assertThat(ch.closeFuture().await(30, TimeUnit.SECONDS)).as("closed").isTrue();
      writer.join(10_000);
      System.out.printf("pipelined service: peak pending %d bytes (budget %d), %d of 5000 answered%n", peak.get(),
          BUDGET, served.get());
      assertThat(peak.get()).isLessThanOrEqualTo(BUDGET + RESPONSE_BYTES + HEAD_SLACK);
      assertThat(served.get()).isLessThan(5_000);
    }
  }

  @Test
  void aClientPipeliningStatsRequestsWithoutReadingIsBoundedAndClosed() throws Exception {
    start();
    try (Socket s = connect()) {
      Thread writer = pipeline(s, "/stats", 200_000);
      Channel ch = channel.get(10, TimeUnit.SECONDS);
      assertThat(ch.closeFuture().await(60, TimeUnit.SECONDS)).as("closed").isTrue();
      writer.join(10_000);
      System.out.printf("pipelined stats: peak pending %d bytes (budget %d)%n", peak.get(), BUDGET);
      assertThat(peak.get()).isLessThanOrEqualTo(BUDGET + 8 * 1024);
    }
  }

  @Test
  void aClientThatSendsNothingMoreWhileOverBudgetIsClosedByTheStallBound() throws Exception {
    start();
    try (Socket s = connect()) {
      // One answer larger than the kernel's buffers (about 4 MB) and the budget, then silence: no next request
      // to find the connection over budget, and no request-head deadline (off here).
      Thread writer = pipeline(s, "/huge", 1);
      Channel ch = channel.get(10, TimeUnit.SECONDS);
      writer.join(10_000);
      assertThat(ch.closeFuture().await(30, TimeUnit.SECONDS)).as("closed").isTrue();
      assertThat(peak.get()).isGreaterThan(BUDGET); // it was over budget: the stall bound closed it
    }
  }

  /**
   * Claims no request; on the first one it sees, installs a probe next to the socket that records the channel's
   * largest pending outbound bytes after every write.
   */
  private final class PeakProbe extends StreamlessTransport {
    PeakProbe() {
      super("probe");
    }

    @Override
    public boolean handle(ChannelHandlerContext ctx, FullHttpRequest request) {
      Channel ch = ctx.channel();
      if (ch.pipeline().get("probe") == null) {
        ch.pipeline().addFirst("probe", new ChannelDuplexHandler() {
          @Override
          public void write(ChannelHandlerContext c, Object msg, ChannelPromise promise) {
            c.write(msg, promise);
            peak.accumulateAndGet(c.channel().unsafe().outboundBuffer().totalPendingWriteBytes(), Math::max);
          }
        });
        channel.complete(ch);
      }
      return false;
    }
  }
}
