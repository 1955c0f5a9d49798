package io.livepush.webtransport;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.SlowConsumerPolicy;
import io.livepush.fixtures.LiveServer;
import io.livepush.spi.Session;
import io.livepush.sse.SseTransport;
import io.livepush.testing.Await;
import io.netty.channel.ChannelOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The outbound budget on QUIC streams: Netty's QUIC stream channel has no outbound buffer, so what it queues
 * behind the peer's flow-control window is counted by livepush's bytes layer ({@link PendingWrites}) and shows
 * as the session's pending bytes, within the budget plus one event, on an HTTP/3 SSE response and on a
 * WebTransport session, as on TCP ({@code ConnectionInfo.pendingOutboundBytes()}).
 */
class QuicBudgetTest {
  private static final int BUDGET = 16 * 1024;
  /** Not a divisor of the client's 1 MiB window, so an event is left half-written when the window closes. */
  private static final String EVENT = "x".repeat(3001);
  @RegisterExtension final LiveServer live = new LiveServer();
  private LivePushServer server;
  private WtTestClient client;

  private void start() throws Exception {
    server = live.start(LiveServer.withBudget(LivePushServer.builder(), BUDGET)
        .slowConsumerPolicy(SlowConsumerPolicy.DISCONNECT)
        .transport(SseTransport.builder().route("/live/{id}", "match:{id}").build())
        .transport(WtServers.transport()));
    client = WtServers.client(live, server);
  }

  /** Publishes to {@code topic} (whose one reader stopped reading) until the slow-consumer policy closed it. */
  private void publishUntilDisconnected(String topic) throws InterruptedException {
    for (int i = 0; i < 4096 && server.stats().slowConsumerDisconnects() == 0; i++) {
      server.publish(topic, Event.text(EVENT));
    }
    Await.until("one slow-consumer disconnect", Duration.ofSeconds(10),
        () -> server.stats().slowConsumerDisconnects() == 1);
  }

  private static void assertCountedWithinBudget(Session s) {
    assertThat(s.peakPendingOutboundBytes()).as("bytes Netty's QUIC stream queued behind the window")
        .isPositive().isLessThanOrEqualTo(BUDGET + EVENT.length() + 256);
  }

  @Test
  void anHttp3SseResponseCountsWhatWaitsBehindFlowControl() throws Exception {
    start();
    WtTestClient.Exchange sse = client.request("GET", "/live/1", null);
    assertThat(sse.status()).isEqualTo(200);
    sse.awaitBody("retry:");
    Session s = live.nextSession();
    sse.stream.config().setOption(ChannelOption.AUTO_READ, false); // no more MAX_STREAM_DATA
    publishUntilDisconnected("match:1");
    assertCountedWithinBudget(s);
  }

  @Test
  void aWebTransportSessionCountsWhatWaitsBehindFlowControl() throws Exception {
    start();
    WtTestClient.Session wt = client.connect("/wt", null);
    assertThat(wt.status.get(10, TimeUnit.SECONDS)).isEqualTo(200);
    wt.open();
    wt.send("{\"type\":\"subscribe\",\"topics\":[\"t\"]}");
    assertThat(wt.next()).contains("\"subscribed\"");
    Session s = live.nextSession();
    wt.stream.config().setAutoRead(false);
    publishUntilDisconnected("t");
    assertCountedWithinBudget(s);
    assertThat(wt.closed.get(10, TimeUnit.SECONDS)).as("closed as a slow consumer").isEqualTo(1008L);
  }
}
