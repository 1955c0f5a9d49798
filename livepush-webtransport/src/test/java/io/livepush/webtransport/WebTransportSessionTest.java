package io.livepush.webtransport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.AuthResult;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.Principal;
import io.livepush.SlowConsumerPolicy;
import io.livepush.fixtures.LiveServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * WebTransport sessions against a Java client on Netty's QUIC and HTTP/3 codecs: the listener on the TCP port's
 * number, the CONNECT guards (path, Origin, authenticator), livepush.v1 on the session's stream with the same
 * ids, resume and replay as WebSocket, and the close capsule when the server stops.
 */
class WebTransportSessionTest {
  @RegisterExtension final LiveServer live = new LiveServer();
  private final ObjectMapper mapper = new ObjectMapper();
  private LivePushServer server;
  private WebTransportTransport wt;
  private WtTestClient client;

  private void start(LivePushServer.Builder b) throws Exception {
    start(b, WebTransportTransport.builder());
  }

  private void start(LivePushServer.Builder b, WebTransportTransport.Builder t) throws Exception {
    wt = WtServers.transport(t.allowedOrigins("https://app.example"));
    server = live.start(b.transport(wt));
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close(); // before the server: LiveServer closes it after this
    }
  }

  @Test
  void listensOnUdpAtTheTcpPortNumber() throws Exception {
    start(LivePushServer.builder());
    assertThat(wt.port()).isEqualTo(server.port());
    client = new WtTestClient(server.port());
    assertThat(client.quic.isActive()).isTrue();
  }

  @Test
  void connectGuardsAnswerWithStatuses() throws Exception {
    start(LivePushServer.builder().authenticator(req -> "let-me-in".equals(req.header("authorization"))
        ? AuthResult.allow(Principal.of("ana")) : AuthResult.unauthorized("credentials required")));
    client = new WtTestClient(server.port());
    assertThat(client.connect("/nope", "https://app.example").status.get(10, TimeUnit.SECONDS)).isEqualTo(404);
    assertThat(client.connect("/wt", "https://evil.example").status.get(10, TimeUnit.SECONDS)).isEqualTo(403);
    assertThat(client.connect("/wt", "https://app.example").status.get(10, TimeUnit.SECONDS)).isEqualTo(401);
    assertThat(server.stats().connections()).isZero();
  }

  @Test
  void subscribeReceiveCutAndResumeFromTheLastId() throws Exception {
    start(LivePushServer.builder());
    client = new WtTestClient(server.port());
    WtTestClient.Session s = opened();
    s.send("{\"type\":\"subscribe\",\"topics\":[\"score\"],\"ref\":\"r1\"}");
    JsonNode subscribed = mapper.readTree(s.next());
    assertThat(subscribed.get("type").asText()).isEqualTo("subscribed");
    assertThat(subscribed.get("ref").asText()).isEqualTo("r1");

    EventId first = server.publish("score", Event.json(new int[] {1, 0}));
    JsonNode e1 = mapper.readTree(s.next());
    assertThat(e1.get("type").asText()).isEqualTo("event");
    assertThat(e1.get("id").asText()).isEqualTo(first.toString());
    assertThat(e1.get("data").toString()).isEqualTo("[1,0]");

    // Cut: the client ends the QUIC connection; the server's session ends with it.
    client.close();
    client = null;
    awaitNoConnections();
    EventId missed1 = server.publish("score", Event.json(new int[] {2, 0}));
    EventId missed2 = server.publish("score", Event.text("goal"));

    client = new WtTestClient(server.port());
    WtTestClient.Session again = opened();
    again.send("{\"type\":\"subscribe\",\"topics\":[\"score\"],\"from\":\"" + first + "\"}");
    JsonNode r1 = mapper.readTree(again.next());
    JsonNode r2 = mapper.readTree(again.next());
    JsonNode marker = mapper.readTree(again.next());
    assertThat(r1.get("id").asText()).isEqualTo(missed1.toString());
    assertThat(r2.get("id").asText()).isEqualTo(missed2.toString());
    assertThat(r2.get("data").asText()).isEqualTo("goal");
    assertThat(marker.get("type").asText()).isEqualTo("subscribed");
    assertThat(marker.get("id").asText()).isEqualTo(missed2.toString());
    assertThat(again.messages).isEmpty();
  }

  @Test
  void moreSessionsThanAConnectionMayHoldGet429() throws Exception {
    start(LivePushServer.builder(), WebTransportTransport.builder().maxSessionsPerConnection(1));
    client = new WtTestClient(server.port());
    WtTestClient.Session first = opened();
    assertThat(client.connect("/wt", "https://app.example").status.get(10, TimeUnit.SECONDS)).isEqualTo(429);
    assertThat(server.stats().connections()).isEqualTo(1);
  }

  @Test
  void overMaxConnectionsSessionsGet503AndQuicConnectionsAreRefused() throws Exception {
    start(LivePushServer.builder().maxConnections(1), WebTransportTransport.builder());
    client = new WtTestClient(server.port());
    WtTestClient.Session first = opened();
    // A second session on the same QUIC connection passes the core's admission stage: over maxConnections.
    assertThat(client.connect("/wt", "https://app.example").status.get(10, TimeUnit.SECONDS)).isEqualTo(503);
    // A second QUIC connection could hold no session: refused at once (CONNECTION_REFUSED).
    assertThatThrownBy(() -> new WtTestClient(server.port()).close()).isInstanceOf(Exception.class);
    assertThat(server.stats().connections()).isEqualTo(1);
  }

  @Test
  void aClientThatStopsReadingMeetsTheSlowConsumerPolicyThroughQuicFlowControl() throws Exception {
    start(LivePushServer.builder().maxPendingOutboundBytes(16 * 1024)
        .slowConsumerPolicy(SlowConsumerPolicy.DISCONNECT));
    WtTestClient.Session s = subscribed("fast");
    s.stream.config().setAutoRead(false); // no MAX_STREAM_DATA from now on: the server's window runs out
    byte[] kib = new byte[1024];
    java.util.Arrays.fill(kib, (byte) 'x');
    String payload = new String(kib, java.nio.charset.StandardCharsets.US_ASCII);
    // The client's stream window is 1 MiB and the server's budget 16 KiB: the policy must act within ~1.1 MiB.
    for (int i = 0; i < 4096 && !s.closed.isDone(); i++) {
      server.publish("fast", Event.text(payload));
    }
    assertThat(s.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1008L);
    awaitNoConnections();
  }

  @Test
  void aVanishedPeerIsClosedByTheQuicIdleTimeout() throws Exception {
    start(LivePushServer.builder(), WebTransportTransport.builder().idleTimeout(Duration.ofSeconds(1)));
    WtTestClient.Session s = subscribed("t");
    assertThat(server.stats().connections()).isEqualTo(1);
    client.abort(); // no CONNECTION_CLOSE: only the idle timeout can tell
    client = null;
    awaitNoConnections();
  }

  @Test
  void aStreamForNoSessionIsRejectedAndTheSessionStillOpens() throws Exception {
    start(LivePushServer.builder());
    client = new WtTestClient(server.port());
    WtTestClient.Session s = client.connect("/wt", "https://app.example");
    assertThat(s.status.get(10, TimeUnit.SECONDS)).isEqualTo(200);
    s.openFor(s.id() + 400); // no such session: WT_BUFFERED_STREAM_REJECTED
    s.streamEnded.get(10, TimeUnit.SECONDS);
    WtTestClient.Session again = client.new Session();
    again.connect = s.connect;
    again.open();
    again.send("{\"type\":\"subscribe\",\"topics\":[\"t\"]}");
    assertThat(mapper.readTree(again.next()).get("type").asText()).isEqualTo("subscribed");
  }

  @Test
  void protocolErrorsAnswerLikeWebSocket() throws Exception {
    start(LivePushServer.builder());
    client = new WtTestClient(server.port());
    WtTestClient.Session s = client.connect("/wt", null); // no Origin: a non-browser client, allowed
    assertThat(s.status.get(10, TimeUnit.SECONDS)).isEqualTo(200);
    s.open();
    s.send("{\"type\":\"subscribe\",\"topics\":[\"bad topic!\"],\"ref\":\"x\"}");
    JsonNode error = mapper.readTree(s.next());
    assertThat(error.get("type").asText()).isEqualTo("error");
    assertThat(error.get("code").asText()).isEqualTo("bad-request");
    assertThat(error.get("ref").asText()).isEqualTo("x");
    s.send("not json");
    assertThat(s.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1007L);
    s.streamEnded.get(10, TimeUnit.SECONDS);
    awaitNoConnections();
  }

  @Test
  void stoppingTheServerClosesSessionsWith1001() throws Exception {
    start(LivePushServer.builder());
    WtTestClient.Session s = subscribed("t");
    server.close();
    server = null;
    assertThat(s.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1001L);
    s.streamEnded.get(10, TimeUnit.SECONDS);
  }

  @Test
  void keepLatestTopicsGoAsDatagramsOnlyWhenAskedAndReliableTopicsStayOnTheStream() throws Exception {
    start(LivePushServer.builder().slowConsumerPolicy(
        t -> t.equals("score") ? SlowConsumerPolicy.KEEP_LATEST : SlowConsumerPolicy.DISCONNECT));
    client = new WtTestClient(server.port());
    WtTestClient.Session asks = opened();
    asks.send("{\"type\":\"subscribe\",\"topics\":[\"score\",\"chat\"],\"datagrams\":true}");
    assertThat(mapper.readTree(asks.next()).get("type").asText()).isEqualTo("subscribed");
    WtTestClient.Session plain = opened();
    plain.send("{\"type\":\"subscribe\",\"topics\":[\"score\"]}");
    assertThat(mapper.readTree(plain.next()).get("type").asText()).isEqualTo("subscribed");

    EventId c1 = server.publish("chat", Event.text("hello"));
    EventId s1 = server.publish("score", Event.json(new int[] {1, 0}));
    EventId c2 = server.publish("chat", Event.text("goal!"));
    // The reliable topic on the stream, in order; the keep-latest one as a datagram of this session.
    assertThat(mapper.readTree(asks.next()).get("id").asText()).isEqualTo(c1.toString());
    assertThat(mapper.readTree(asks.next()).get("id").asText()).isEqualTo(c2.toString());
    JsonNode d1 = mapper.readTree(asks.nextDatagram());
    assertThat(d1.get("type").asText()).isEqualTo("event");
    assertThat(d1.get("topic").asText()).isEqualTo("score");
    assertThat(d1.get("id").asText()).isEqualTo(s1.toString());
    assertThat(d1.get("data").toString()).isEqualTo("[1,0]");
    // A session that did not ask gets the same topic on its stream.
    assertThat(mapper.readTree(plain.next()).get("id").asText()).isEqualTo(s1.toString());

    // An event larger than the path's datagrams goes on the stream.
    byte[] big = new byte[4000];
    java.util.Arrays.fill(big, (byte) 'x');
    EventId s2 = server.publish("score", Event.text(new String(big, java.nio.charset.StandardCharsets.US_ASCII)));
    assertThat(mapper.readTree(asks.next()).get("id").asText()).isEqualTo(s2.toString());
    assertThat(mapper.readTree(plain.next()).get("id").asText()).isEqualTo(s2.toString());

    // "datagrams": false turns them off again; anything but a boolean is a bad request.
    asks.send("{\"type\":\"subscribe\",\"topics\":[\"score\"],\"datagrams\":false}");
    assertThat(mapper.readTree(asks.next()).get("type").asText()).isEqualTo("subscribed");
    EventId s3 = server.publish("score", Event.json(new int[] {2, 0}));
    assertThat(mapper.readTree(asks.next()).get("id").asText()).isEqualTo(s3.toString());
    asks.send("{\"type\":\"subscribe\",\"topics\":[\"score\"],\"datagrams\":1,\"ref\":\"d\"}");
    JsonNode error = mapper.readTree(asks.next());
    assertThat(error.get("code").asText()).isEqualTo("bad-request");
    assertThat(error.get("ref").asText()).isEqualTo("d");
    assertThat(client.datagrams).isEmpty();
  }

  /** A session on {@link #client} from the allowed origin: CONNECT answered 200, its stream opened. */
  private WtTestClient.Session opened() throws Exception {
    WtTestClient.Session s = client.connect("/wt", "https://app.example");
    assertThat(s.status.get(10, TimeUnit.SECONDS)).isEqualTo(200);
    return s.open();
  }

  /** A new client's session, subscribed to {@code topic} (its {@code subscribed} read). */
  private WtTestClient.Session subscribed(String topic) throws Exception {
    client = new WtTestClient(server.port());
    WtTestClient.Session s = opened();
    s.send("{\"type\":\"subscribe\",\"topics\":[\"" + topic + "\"]}");
    assertThat(mapper.readTree(s.next()).get("type").asText()).isEqualTo("subscribed");
    return s;
  }

  private void awaitNoConnections() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (server.stats().connections() != 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("sessions still open: " + server.stats().connections());
      }
      Thread.onSpinWait();
      Thread.sleep(10); // polling an awaited condition, not a timing assumption
    }
  }
}
