package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepush.Event;
import io.livepush.IoTransport;
import io.livepush.LivePushServer;
import io.livepush.sse.SseTransport;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The server on Netty's io_uring transport ({@link IoTransport#IO_URING}) serves SSE and WebSocket to clients
 * someone else wrote (the JDK's {@code HttpClient} and {@code java.net.http.WebSocket}): subscribe, live events
 * in order on both, resume after an id. Skipped, with Netty's reason, where io_uring is unavailable (not Linux,
 * an old kernel, {@code kernel.io_uring_disabled}, a container's seccomp profile). Also: the choice, its
 * fallback and what a started server reports.
 */
class IoUringTransportTest {
  private LivePushServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void nativeTransportFlagAndIoTransportShareOneSetting() {
    assertThat(builder().build().config().ioTransport()).isEqualTo(IoTransport.AUTO);
    LivePushServer.Builder b = builder().ioTransport(IoTransport.IO_URING).nativeTransport(false);
    assertThat(b.build().config().ioTransport()).isEqualTo(IoTransport.NIO);
    assertThat(b.build().config().nativeTransport()).isFalse();
    assertThat(b.ioTransport(IoTransport.EPOLL).build().config().nativeTransport()).isTrue();
    assertThatThrownBy(() -> builder().build().ioTransportInUse()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aStartedServerReportsWhatItRunsOnAndFallsBack() {
    assertThat(chosen(IoTransport.NIO)).isEqualTo(IoTransport.NIO);
    assertThat(chosen(IoTransport.AUTO)).isEqualTo(Epoll.isAvailable() ? IoTransport.EPOLL : IoTransport.NIO);
    assertThat(chosen(IoTransport.EPOLL)).isEqualTo(Epoll.isAvailable() ? IoTransport.EPOLL : IoTransport.NIO);
    // Unavailable io_uring falls back to epoll (or NIO) instead of failing the start.
    assertThat(chosen(IoTransport.IO_URING)).isEqualTo(IoUring.isAvailable() ? IoTransport.IO_URING
        : Epoll.isAvailable() ? IoTransport.EPOLL : IoTransport.NIO);
  }

  private static LivePushServer.Builder builder() {
    return LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(1)
        .transport(SseTransport.builder().multiTopicPath("/sse").build());
  }

  private static IoTransport chosen(IoTransport asked) {
    LivePushServer s = builder().ioTransport(asked).build();
    try {
      s.start().join();
      return s.ioTransportInUse();
    } finally {
      s.close();
    }
  }

  @Test
  void servesSseAndWebSocketOnIoUring() throws Exception {
    Assumptions.assumeTrue(IoUring.isAvailable(),
        () -> "io_uring unavailable here: " + IoUring.unavailabilityCause());
    server = LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(2)
        .ioTransport(IoTransport.IO_URING)
        .transport(SseTransport.builder().multiTopicPath("/sse").build())
        .transport(WebSocketTransport.builder().build())
        .build();
    server.start().join();
    assertThat(server.ioTransportInUse()).isEqualTo(IoTransport.IO_URING);

    try (SseReader sse = new SseReader(server.port(), "/sse?topic=t", null);
        JdkClient ws = JdkClient.connect(server.port(), "/ws")) {
      ws.send("{\"type\":\"subscribe\",\"topics\":[\"t\"]}");
      assertThat(ws.next()).contains("\"type\":\"subscribed\"");
      // SSE is subscribed once its position block arrives (livepush.position on a topic without events).
      String[] position = sse.blocks.poll(10, TimeUnit.SECONDS);
      assertThat(position).as("SSE position block").isNotNull();
      assertThat(position[1]).isEqualTo(Event.POSITION_TYPE);
      String first = null;
      for (int i = 1; i <= 50; i++) {
        String id = server.publish("t", Event.json(Map.of("n", i))).toString();
        first = first == null ? id : first;
      }
      for (int i = 1; i <= 50; i++) {
        String[] block = sse.nextEvent();
        assertThat(block[2]).isEqualTo("{\"n\":" + i + "}");
        assertThat(ws.next()).contains("\"data\":{\"n\":" + i + "}");
      }
      // Resume from the first event over SSE: the 49 after it come back from the replay log.
      try (SseReader resumed = new SseReader(server.port(), "/sse?topic=t", first)) {
        for (int i = 2; i <= 50; i++) {
          assertThat(resumed.nextEvent()[2]).isEqualTo("{\"n\":" + i + "}");
        }
      }
    }
  }
}
