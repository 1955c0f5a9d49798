package io.livepush.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.CloseReason;
import io.livepush.ConnectionInfo;
import io.livepush.ConnectionListener;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushConfig;
import io.livepush.LivePushServer;
import io.livepush.ReplayConfig;
import io.livepush.ResetReason;
import io.livepush.spi.PublishedEvent;
import io.livepush.spi.Session;
import io.livepush.spi.Transport;
import io.livepush.spi.TransportContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The hub on an {@link EmbeddedChannel} with a fake clock and a transport whose "wire format" is readable
 * text: fan-out, the replay-to-live switch, resets, heartbeats and dead-peer detection, without sockets or sleeps.
 */
class HubTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final List<EmbeddedChannel> channels = new ArrayList<>();
  private final List<String> closes = new ArrayList<>();

  /** Writes "E<offset>:<payload>;", "R<topic>:<reason>;", "S<position>;" and "H;". */
  private static final class TextTransport implements Transport {
    final boolean replies;

    TextTransport(boolean replies) {
      this.replies = replies;
    }

    @Override
    public String name() {
      return "text";
    }

    @Override
    public void init(TransportContext context) {}

    @Override
    public boolean handle(ChannelHandlerContext ctx, FullHttpRequest request) {
      return false;
    }

    @Override
    public byte[] encode(PublishedEvent e) {
      return ("E" + e.id().offset() + ":" + new String(e.payload(), StandardCharsets.UTF_8) + ";")
          .getBytes(StandardCharsets.UTF_8);
    }

    private static ByteBuf text(ByteBufAllocator alloc, String s) {
      return alloc.buffer().writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public ByteBuf encodeReset(ByteBufAllocator alloc, String topic, ResetReason reason, EventId position) {
      return text(alloc, "R" + topic + ":" + reason.code() + ";");
    }

    @Override
    public ByteBuf encodeSubscribed(ByteBufAllocator alloc, Collection<String> topics, EventId position) {
      return text(alloc, "S" + position.offset() + ";");
    }

    @Override
    public ByteBuf encodeHeartbeat(ByteBufAllocator alloc) {
      return text(alloc, "H;");
    }

    @Override
    public boolean expectsHeartbeatReplies() {
      return replies;
    }

    @Override
    public void close(Session session, CloseReason reason) {
      session.channel().close();
    }
  }

  private Hub hub;

  /** A hub over {@code n} embedded channels, each with its own (embedded) event loop. */
  private Hub hub(int n, boolean replies, ReplayConfig replay) {
    for (int i = 0; i < n; i++) {
      channels.add(new EmbeddedChannel());
    }
    LivePushConfig config = LivePushServer.builder()
        .transport(new TextTransport(replies))
        .heartbeatInterval(Duration.ofSeconds(4))
        .heartbeatTimeout(Duration.ofSeconds(2))
        .replay(replay)
        .connectionListener(new ConnectionListener() {
          @Override
          public void onClose(ConnectionInfo c, CloseReason reason) {
            closes.add(c.id() + ":" + reason);
          }
        })
        .buildConfig();
    hub = new Hub(config, channels.stream().map(c -> (io.netty.channel.EventLoop) c.eventLoop()).toList(), 3,
        now::get);
    return hub;
  }

  private Session open(int i) {
    EmbeddedChannel ch = channels.get(i);
    FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/x?ticket=secret");
    try {
      hub.admit();
      return hub.openSession(ch, hub.config.transports().get(0), 0, new DefaultRequestInfo(req, null),
          io.livepush.Principal.ANONYMOUS);
    } finally {
      req.release();
    }
  }

  private static String drain(EmbeddedChannel ch) {
    ch.runPendingTasks();
    StringBuilder sb = new StringBuilder();
    for (;;) {
      ByteBuf b = ch.readOutbound();
      if (b == null) {
        return sb.toString();
      }
      try {
        sb.append(b.toString(StandardCharsets.UTF_8));
      } finally {
        b.release();
      }
    }
  }

  private EventId publish(String topic, String data) {
    return hub.publish(topic, null, Event.Kind.TEXT, data.getBytes(StandardCharsets.UTF_8));
  }

  @AfterEach
  void tearDown() {
    for (EmbeddedChannel ch : channels) {
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void fansOutToEverySubscriberOfTheTopicOnce() {
    hub(2, false, ReplayConfig.defaults());
    Session a = open(0);
    Session b = open(1);
    a.subscribe(List.of("t"), null);
    b.subscribe(List.of("t", "u"), null);
    assertThat(drain(channels.get(0))).isEqualTo("S0;");
    assertThat(drain(channels.get(1))).isEqualTo("S0;");
    publish("t", "1");
    publish("u", "2");
    publish("other", "3");
    assertThat(drain(channels.get(0))).isEqualTo("E1:1;");
    assertThat(drain(channels.get(1))).isEqualTo("E1:1;E2:2;");
    assertThat(hub.stats().delivered()).isEqualTo(3);
  }

  @Test
  void replayThenLiveWithoutGapOrDuplicateWhenPublishesRace() {
    hub(1, false, ReplayConfig.defaults());
    publish("t", "1");
    publish("t", "2");
    Session s = open(0);
    // Events published before the subscribe whose delivery tasks are still queued on the loop must not repeat.
    publish("t", "3");
    s.subscribe(List.of("t"), EventId.of(3, 1));
    publish("t", "4");
    assertThat(drain(channels.get(0))).isEqualTo("E2:2;E3:3;S3;E4:4;");
  }

  @Test
  void resetsTopicsThatCannotResumeAndReplaysTheOthersInOffsetOrder() {
    hub(1, false, ReplayConfig.builder().maxEventsPerTopic(1).build());
    publish("a", "1");
    publish("b", "2");
    publish("a", "3");
    publish("b", "4");
    Session s = open(0);
    s.subscribe(List.of("a", "b"), EventId.of(3, 2));
    assertThat(drain(channels.get(0))).isEqualTo("E3:3;E4:4;S4;");
    publish("a", "5");
    publish("a", "6");
    Session late = s;
    late.unsubscribe("a");
    late.subscribe(List.of("a"), EventId.of(3, 4));
    assertThat(drain(channels.get(0))).isEqualTo("Ra:too-old;S6;");
  }

  @Test
  void perTopicPositionsReplayEveryTopicMergedInOffsetOrderWithOneMarker() {
    hub(1, false, ReplayConfig.defaults());
    publish("a", "1");
    publish("b", "2");
    publish("a", "3");
    publish("c", "4");
    publish("b", "5");
    publish("a", "6");
    Session s = open(0);
    // a was last seen at 1, b at 2, c never (live from now), d from the earliest retained; one marker.
    java.util.Map<String, EventId> positions = new java.util.LinkedHashMap<>();
    positions.put("a", EventId.of(3, 1));
    positions.put("b", EventId.of(3, 2));
    positions.put("c", null);
    positions.put("d", EventId.EARLIEST);
    assertThat(s.subscribe(positions)).isEqualTo(EventId.of(3, 6));
    publish("c", "7");
    assertThat(drain(channels.get(0))).isEqualTo("E3:3;E5:5;E6:6;S6;E7:7;");
  }

  @Test
  void earliestReplaysEverythingRetainedWithoutReset() {
    hub(1, false, ReplayConfig.builder().maxEventsPerTopic(2).build());
    publish("a", "1");
    publish("b", "2");
    publish("a", "3");
    publish("a", "4");
    Session s = open(0);
    s.subscribe(List.of("a", "b"), EventId.EARLIEST);
    assertThat(drain(channels.get(0))).isEqualTo("E2:2;E3:3;E4:4;S4;");
    assertThat(hub.snapshot().resets(ResetReason.TOO_OLD)).isZero();
  }

  @Test
  void unsubscribedAndClosedSessionsReceiveNothing() {
    hub(1, false, ReplayConfig.defaults());
    Session s = open(0);
    s.subscribe(List.of("t"), null);
    drain(channels.get(0));
    assertThat(s.unsubscribe("t")).isTrue();
    publish("t", "1");
    assertThat(drain(channels.get(0))).isEmpty();
    s.subscribe(List.of("t"), null);
    drain(channels.get(0));
    channels.get(0).close();
    publish("t", "2");
    assertThat(drain(channels.get(0))).isEmpty();
    assertThat(closes).containsExactly(s.id() + ":CLIENT_CLOSED");
    assertThat(hub.connectionCount()).isZero();
  }

  @Test
  void heartbeatsIdleWritersOnFakeTime() {
    hub(1, false, ReplayConfig.defaults());
    hub.startTimers();
    Session s = open(0);
    s.subscribe(List.of("t"), null);
    EmbeddedChannel ch = channels.get(0);
    assertThat(drain(ch)).isEqualTo("S0;");
    advance(ch, Duration.ofSeconds(3));
    assertThat(drain(ch)).isEmpty();
    advance(ch, Duration.ofSeconds(1));
    assertThat(drain(ch)).isEqualTo("H;");
    advance(ch, Duration.ofSeconds(2));
    publish("t", "x"); // output resets the idle clock
    assertThat(drain(ch)).isEqualTo("E1:x;");
    advance(ch, Duration.ofSeconds(3));
    assertThat(drain(ch)).isEmpty();
    advance(ch, Duration.ofSeconds(1));
    assertThat(drain(ch)).isEqualTo("H;");
    hub.stopTimers();
  }

  /**
   * A write that raced the close fails its void promise with {@link java.nio.channels.ClosedChannelException},
   * fired through the pipeline from the head. With a transport handler after the session (an HTTP/2 stream's
   * bytes handler, WebSocket's handler), it used to reach the tail, where Netty logs each at WARN (10,982 stack
   * traces when the fan-out benchmark's 10,000 h2c streams ended). The session stops it; other failures pass.
   */
  @Test
  void aWriteThatRacedTheCloseStopsAtTheSessionAndOtherFailuresPassOn() {
    hub(2, false, ReplayConfig.defaults());
    Session s = open(0);
    open(1);
    EmbeddedChannel closed = channels.get(0);
    // The session is not last; the write fails after the close, while the handlers are still in the pipeline.
    closed.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
      @Override
      public void channelInactive(io.netty.channel.ChannelHandlerContext ctx) {
        ctx.pipeline().fireExceptionCaught(new java.nio.channels.ClosedChannelException());
        ctx.fireChannelInactive();
      }
    });
    closed.close();
    closed.checkException(); // nothing reached the tail
    assertThat(closes).containsExactly(s.id() + ":CLIENT_CLOSED");
    EmbeddedChannel open = channels.get(1);
    open.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter());
    open.pipeline().fireExceptionCaught(new java.io.IOException("reset by peer"));
    org.assertj.core.api.Assertions.assertThatThrownBy(open::checkException)
        .isInstanceOf(java.io.IOException.class).hasMessage("reset by peer");
  }

  @Test
  void closesPeersThatDoNotAnswerHeartbeats() {
    hub(1, true, ReplayConfig.defaults());
    hub.startTimers();
    Session s = open(0);
    EmbeddedChannel ch = channels.get(0);
    advance(ch, Duration.ofSeconds(4));
    assertThat(drain(ch)).isEqualTo("H;");
    s.markRead(); // the pong
    advance(ch, Duration.ofSeconds(4));
    assertThat(drain(ch)).isEqualTo("H;");
    assertThat(ch.isActive()).isTrue();
    advance(ch, Duration.ofSeconds(2));
    assertThat(ch.isActive()).isFalse();
    assertThat(closes).containsExactly(s.id() + ":HEARTBEAT_TIMEOUT");
    hub.stopTimers();
  }

  @Test
  void refusesConnectionsOverCapacity() {
    hub(1, false, ReplayConfig.defaults());
    for (int i = 0; i < hub.config.maxConnections(); i++) {
      hub.admit();
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(hub::admit)
        .isInstanceOf(io.livepush.CapacityExceededException.class)
        .extracting(e -> ((io.livepush.CapacityExceededException) e).retryAfterSeconds()).isEqualTo(3);
  }

  @Test
  void requestInfoNeverPrintsTheQuery() {
    hub(1, false, ReplayConfig.defaults());
    Session s = open(0);
    assertThat(s.request().toString()).isEqualTo("GET /x").doesNotContain("secret");
    assertThat(s.request().queryParameters().get("ticket")).containsExactly("secret");
  }

  /** Moves both the hub's clock and the channel's scheduler, one sweep period at a time. */
  private void advance(EmbeddedChannel ch, Duration d) {
    long step = TimeUnit.SECONDS.toNanos(1);
    for (long left = d.toNanos(); left > 0; left -= step) {
      long n = Math.min(step, left);
      now.addAndGet(n);
      ch.advanceTimeBy(n, TimeUnit.NANOSECONDS);
      ch.runScheduledPendingTasks();
    }
  }
}
