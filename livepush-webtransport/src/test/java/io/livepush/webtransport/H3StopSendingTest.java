package io.livepush.webtransport;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.CloseReason;
import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.fixtures.LiveServer;
import io.livepush.longpoll.LongPollTransport;
import io.livepush.sse.SseTransport;
import io.livepush.testing.Await;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that stops the server's sending side of a stream (STOP_SENDING, RFC 9000 §3.5, with
 * H3_REQUEST_CANCELLED) and keeps its QUIC connection: an HTTP/3 SSE response, a long-poll, a WebTransport
 * session's livepush.v1 stream, on a quiet topic and with a publish. Netty 4.2.18 tells the stream nothing until
 * it writes (netty/netty#17380), so the server must end the session by its own writes within the bounds its
 * configuration sets: the heartbeat interval (the next write) plus the stall bound (interval plus timeout: 2 s
 * here) — far below the QUIC idle timeout (60 s here), which would otherwise be the only end.
 */
class H3StopSendingTest {
  /** Stall bound plus a heartbeat interval is 3 s here; the rest is slack for a loaded machine. */
  private static final Duration BOUND = Duration.ofSeconds(20);
  private static final int H3_REQUEST_CANCELLED = 0x10c;
  @RegisterExtension final LiveServer live = new LiveServer();
  private LivePushServer server;
  private WtTestClient client;

  private void start() throws Exception {
    server = live.start(LiveServer.withBudget(LivePushServer.builder(), 64 * 1024)
        .transport(SseTransport.builder().route("/live/{id}", "match:{id}").build())
        .transport(LongPollTransport.builder().path("/poll").timeout(Duration.ofSeconds(1)).build())
        .transport(WtServers.transport(WebTransportTransport.builder().idleTimeout(Duration.ofSeconds(60)))));
    client = WtServers.client(live, server);
  }

  /** An SSE response over HTTP/3, followed, then stopped by the client. */
  private void stoppedSse() throws Exception {
    WtTestClient.Exchange sse = client.request("GET", "/live/1", null);
    assertThat(sse.status()).isEqualTo(200);
    sse.awaitBody("retry:");
    live.nextSession();
    sse.stream.shutdownInput(H3_REQUEST_CANCELLED).sync();
  }

  /** A WebTransport session subscribed to {@code topic}, whose livepush.v1 stream the client then stops. */
  private WtTestClient.Session stoppedSession(String topic) throws Exception {
    WtTestClient.Session s = client.connect("/wt", null);
    assertThat(s.status.get(10, TimeUnit.SECONDS)).isEqualTo(200);
    s.open();
    s.send("{\"type\":\"subscribe\",\"topics\":[\"" + topic + "\"],\"ref\":\"r\"}");
    assertThat(s.next()).contains("\"subscribed\"");
    live.nextSession();
    s.stream.shutdownInput(H3_REQUEST_CANCELLED).sync();
    return s;
  }

  private void awaitNoSession() throws InterruptedException {
    Await.until("the stopped session ended", BOUND, () -> server.connectionCount() == 0);
  }

  @Test
  void aStoppedSseResponseOnAQuietTopicEndsAfterItsNextHeartbeat() throws Exception {
    start();
    stoppedSse();
    awaitNoSession();
    // The heartbeat written after STOP_SENDING never leaves (quiche has forgotten the stream): the stall bound.
    assertThat(live.nextClose()).isEqualTo(CloseReason.SLOW_CONSUMER);
    assertThat(client.request("GET", "/live/2", null).status()).as("the connection serves on").isEqualTo(200);
  }

  @Test
  void aStoppedSseResponseEndsAfterAPublish() throws Exception {
    start();
    stoppedSse();
    server.publish("match:1", Event.text("one"));
    awaitNoSession();
  }

  @Test
  void aStoppedLongPollIsForgotten() throws Exception {
    start();
    WtTestClient.Exchange poll = client.request("GET", "/poll?topic=match:3", null);
    live.nextSession();
    poll.stream.shutdownInput(H3_REQUEST_CANCELLED).sync();
    awaitNoSession();
    assertThat(client.request("GET", "/live/2", null).status()).as("the connection serves on").isEqualTo(200);
  }

  @Test
  void aWebTransportSessionWhoseStreamIsStoppedEndsOnAQuietTopic() throws Exception {
    start();
    WtTestClient.Session s = stoppedSession("quiet");
    awaitNoSession();
    assertThat(s.closed.get(10, TimeUnit.SECONDS)).as("the CONNECT stream ends too").isNotNull();
  }

  @Test
  void aWebTransportSessionWhoseStreamIsStoppedEndsAtThePublish() throws Exception {
    start();
    stoppedSession("t");
    server.publish("t", Event.text("one"));
    awaitNoSession();
  }
}
