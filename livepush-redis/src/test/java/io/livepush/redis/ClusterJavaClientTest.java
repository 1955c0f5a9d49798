package io.livepush.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.client.ClientState;
import io.livepush.client.ClientTransport;
import io.livepush.client.LivePushClient;
import io.livepush.client.LivePushListener;
import io.livepush.client.PushEvent;
import io.livepush.client.Reset;
import io.livepush.fixtures.RedisCluster;
import io.livepush.longpoll.LongPollTransport;
import io.livepush.sse.SseTransport;
import io.livepush.testing.ClusterClients;
import io.livepush.testing.CuttableProxy;
import io.livepush.testing.DeliveryChecker;
import io.livepush.websocket.WebSocketTransport;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Java client ({@code livepush-client}) following a Redis cluster, on SSE and WebSocket, through what a cluster
 * does to it: an epoch change (Redis restarted empty) that resets every stream, then a cut; and a node killed
 * mid-stream behind a load balancer ({@link CuttableProxy#retarget}) that sends the clients to the other node.
 */
class ClusterJavaClientTest {
  @RegisterExtension final RedisCluster cluster = new RedisCluster();
  private CuttableProxy proxy;

  private LivePushServer node(String name) {
    return cluster.start(LivePushServer.builder().ioThreads(1).shutdownDrain(Duration.ZERO)
        .transport(SseTransport.builder().multiTopicPath("/events").build())
        .transport(WebSocketTransport.builder().build())
        .transport(LongPollTransport.builder().path("/poll").timeout(Duration.ofSeconds(1)).build())
        .bus(RedisBus.builder().uri(cluster.busUri(name)).pollInterval(Duration.ofMillis(100)).build()));
  }

  /** One Java client and what it received, in order. */
  static final class Recorder implements LivePushListener {
    final String name;
    final LivePushClient client;
    final List<PushEvent> events = new CopyOnWriteArrayList<>();
    final List<Reset> resets = new CopyOnWriteArrayList<>();

    Recorder(String name, ClientTransport transport, int proxyPort, String... topics) {
      this.name = name;
      this.client = LivePushClient.builder()
          .sse(URI.create("http://127.0.0.1:" + proxyPort + "/events"))
          .webSocket(URI.create("ws://127.0.0.1:" + proxyPort + "/ws"))
          .longPoll(URI.create("http://127.0.0.1:" + proxyPort + "/poll"))
          .transport(transport).topics(topics)
          .minDelay(Duration.ofMillis(20)).maxDelay(Duration.ofMillis(200)).heartbeatTimeout(Duration.ofSeconds(3))
          .listener(this).build();
    }

    @Override
    public void onEvent(PushEvent e) {
      events.add(e);
    }

    @Override
    public void onReset(Reset r) {
      resets.add(r);
    }
  }

  private Recorder follow(String name, ClientTransport transport, String... topics) throws InterruptedException {
    Recorder r = new Recorder(name, transport, proxy.port(), topics);
    cluster.closeAfter(r.client);
    r.client.start();
    ClusterClients.await(name + " open with a position",
        () -> r.client.state() == ClientState.OPEN && r.client.position() != null);
    return r;
  }

  /**
   * Issue 12: a stream whose only message since it opened is an epoch-change reset, cut right after it, resumes
   * from the position that reset gave (the new epoch): no second reset, and the event published while it was away
   * arrives. Before the fix the SSE reset carried no id (and the WebSocket client ignored a multi-topic reset's
   * id): the client came back with the old epoch's id, got a second reset at the head and missed the event.
   */
  @Test
  void aStreamCutRightAfterAnEpochResetResumesFromTheResetsPosition() throws Exception {
    LivePushServer a = node("a");
    proxy = cluster.closeAfter(new CuttableProxy(a.port()));
    List<Recorder> rs = List.of(follow("sse-1", ClientTransport.SSE, "q1"),
        follow("sse-2", ClientTransport.SSE, "q1", "q2"),
        follow("ws-1", ClientTransport.WEBSOCKET, "q1"),
        follow("ws-2", ClientTransport.WEBSOCKET, "q1", "q2"),
        follow("lp-2", ClientTransport.LONG_POLLING, "q1", "q2"));
    long oldEpoch = a.epoch();
    cluster.redis().kill();
    cluster.redis().startAgain();
    ClusterClients.await("the node in a new epoch", () -> a.epoch() != oldEpoch);
    for (Recorder r : rs) {
      ClusterClients.await(r.name + " told the history changed", () -> !r.resets.isEmpty());
      assertThat(r.resets).extracting(Reset::reason).containsOnly(Reset.EPOCH_CHANGED);
      assertThat(EventId.parse(r.client.position()).epoch()).as(r.name + " position after the reset")
          .isEqualTo(a.epoch());
    }
    // Each streaming client holds one connection, the long-poller one held poll.
    ClusterClients.await("every client connected", () -> proxy.open() >= rs.size());
    proxy.cutAll();
    EventId q1 = a.publish("q1", Event.text("while away"));
    for (Recorder r : rs) {
      ClusterClients.await(r.name + " receives the event published while it was cut", () -> !r.events.isEmpty());
      assertThat(r.events).extracting(PushEvent::id).as(r.name).containsExactly(q1.toString());
      assertThat(r.resets).as(r.name + ": one reset, not a second one after the cut").hasSize(r.client.config()
          .topics().size());
    }
  }

  /**
   * A node killed mid-stream while Java clients on both transports follow it through a load balancer: they come
   * back on the other node and resume there; every event published on either node arrives once, in order.
   */
  @Test
  void clientsResumeOnTheOtherNodeWhenTheirNodeDiesMidStream() throws Exception {
    LivePushServer a = node("a");
    LivePushServer b = node("b");
    proxy = cluster.closeAfter(new CuttableProxy(a.port()));
    DeliveryChecker checker = new DeliveryChecker();
    List<Recorder> rs = List.of(follow("sse", ClientTransport.SSE, "x", "y"),
        follow("ws", ClientTransport.WEBSOCKET, "x", "y"));
    for (Recorder r : rs) {
      checker.follow(r.name, "x", 0);
      checker.follow(r.name, "y", 0);
    }
    long[] seq = new long[2];
    int total = 400;
    for (int i = 0; i < total; i++) {
      int t = i % 2;
      String topic = t == 0 ? "x" : "y";
      boolean aAlive = i <= total / 2;
      (aAlive && i % 3 != 0 ? a : b).publish(topic, Event.text(topic + "/" + ++seq[t]));
      checker.published(topic, seq[t]);
      if (i == total / 2) {
        // The load balancer sees a die: new connections go to b, then a goes away with its connections.
        proxy.retarget(b.port());
        cluster.nodes().remove(a);
        a.close();
        proxy.cutAll();
      }
    }
    for (Recorder r : rs) {
      ClusterClients.await(r.name + " caught up", () -> r.events.size() >= total);
      for (PushEvent e : r.events) {
        String[] topicAndSeq = e.data().split("/"); // SSE events of a multi-topic stream carry no topic
        checker.received(r.name, topicAndSeq[0], Long.parseLong(topicAndSeq[1]));
      }
      assertThat(r.resets).as(r.name).isEmpty();
    }
    DeliveryChecker.Report report = checker.check();
    assertThat(report.clean()).as(report.toString()).isTrue();
  }

  /**
   * The same gap on long-polling: a poll held when the epoch changes is answered with the reset, and its
   * {@code position} must be the reset's (the new epoch), so the next poll gets the event published meanwhile
   * and no second reset. Before, a reset did not move a poll's position. (Polls are held a second at most here,
   * so the Java long-polling client above keeps polling; a change between two polls resets at subscribe, which
   * has always carried the new position.)
   */
  @Test
  void aPollHeldAcrossAnEpochResetAnswersWithThePositionAfterIt() throws Exception {
    LivePushServer a = node("a");
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    String base = "http://127.0.0.1:" + a.port() + "/poll?topic=lp&lastEventId=";
    // A quiet topic: polls are answered empty after a second, each with the position to poll from next.
    java.util.function.Function<String, com.fasterxml.jackson.databind.JsonNode> poll = from -> {
      try {
        return json.readTree(http.send(java.net.http.HttpRequest.newBuilder(URI.create(base + from)).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString()).body());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    String start = poll.apply("earliest").get("position").asText();
    long oldEpoch = a.epoch();
    java.util.concurrent.CompletableFuture<com.fasterxml.jackson.databind.JsonNode> withReset =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          for (String p = start;;) { // polls on until one is answered with the reset
            com.fasterxml.jackson.databind.JsonNode answer = poll.apply(p);
            if (answer.get("events").size() > 0) {
              return answer;
            }
            p = answer.get("position").asText();
          }
        });
    cluster.redis().kill();
    cluster.redis().startAgain();
    ClusterClients.await("the node in a new epoch", () -> a.epoch() != oldEpoch);
    var first = withReset.get(60, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(first.at("/events/0/event").asText()).isEqualTo("reset");
    String position = first.get("position").asText();
    assertThat(EventId.parse(position).epoch()).as("the answer's position, after the reset").isEqualTo(a.epoch());
    EventId published = a.publish("lp", Event.text("while between polls"));
    var second = json.readTree(http.send(java.net.http.HttpRequest.newBuilder(URI.create(base + position)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body());
    assertThat(second.get("events")).hasSize(1);
    assertThat(second.at("/events/0/id").asText()).as("the event, no second reset").isEqualTo(published.toString());
  }
}
