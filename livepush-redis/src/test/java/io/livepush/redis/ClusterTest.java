package io.livepush.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.ReplayConfig;
import io.livepush.fixtures.RedisCluster;
import io.livepush.sse.SseTransport;
import io.livepush.testing.ClusterClients;
import io.livepush.testing.DeliveryChecker;
import io.livepush.testing.SseTestClient;
import io.livepush.testing.WsTestClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several livepush nodes in one JVM sharing one real {@code redis-server}; SSE clients that fail over between
 * nodes like browsers behind a load balancer without stickiness; every run checked with {@link DeliveryChecker}.
 */
class ClusterTest {
  /** A port nothing listens on (refused at once): "no healthy node" for a failing-over client. */
  private static final URI NOWHERE = URI.create("http://127.0.0.1:1/");
  @RegisterExtension final RedisCluster cluster = new RedisCluster();
  private final ClusterClients harness = cluster.closeAfter(new ClusterClients());
  private final List<SseTestClient> clients = harness.sse;
  private final List<WsTestClient> wsClients = harness.ws;
  private final java.util.Map<LivePushServer, RedisBus> buses = new java.util.concurrent.ConcurrentHashMap<>();
  private final DeliveryChecker checker = harness.checker;

  private LivePushServer node(String name) {
    return node(name, RedisBus.builder().uri(cluster.busUri(name))
        .pollInterval(Duration.ofMillis(200)), ReplayConfig.defaults());
  }

  private LivePushServer node(String name, RedisBus.Builder busBuilder, ReplayConfig replay) {
    RedisBus bus = busBuilder.build();
    LivePushServer s = cluster.start(LivePushServer.builder()
        .ioThreads(2)
        .replay(replay)
        .transport(SseTransport.builder().multiTopicPath("/events").build())
        .transport(io.livepush.websocket.WebSocketTransport.builder().build())
        .bus(bus));
    buses.put(s, bus);
    return s;
  }

  private static URI uri(LivePushServer node, String... topics) {
    return ClusterClients.sseUri(node.port(), topics);
  }

  private SseTestClient client(String name, java.util.function.Supplier<URI> target, String lastEventId,
      String... topics) throws InterruptedException {
    return harness.sse(name, target, lastEventId, topics);
  }

  private static URI ws(LivePushServer node) {
    return ClusterClients.wsUri(node.port());
  }

  private WsTestClient wsClient(String name, java.util.function.Supplier<URI> target, String... topics)
      throws InterruptedException {
    return harness.ws(name, target, topics);
  }

  private EventId publish(LivePushServer node, String topic) {
    return harness.publish(topic, text -> node.publish(topic, Event.text(text)));
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    ClusterClients.await(what, condition);
  }

  private void awaitAllCaughtUp(List<String> clientNames, String... topics) throws InterruptedException {
    harness.awaitAllCaughtUp(clientNames, topics);
  }

  @Test
  void publishOnOneNodeReachesSubscribersOnEveryNode() throws Exception {
    LivePushServer a = node("a");
    LivePushServer b = node("b");
    LivePushServer c = node("c");
    assertThat(a.epoch()).isEqualTo(b.epoch()).isEqualTo(c.epoch());
    client("onA", () -> uri(a, "x", "y"), null, "x", "y");
    client("onB", () -> uri(b, "x", "y"), null, "x", "y");
    client("onC", () -> uri(c, "x"), null, "x");
    wsClient("wsOnA", () -> ws(a), "x", "y");
    wsClient("wsOnB", () -> ws(b), "x", "y");
    wsClient("wsOnC", () -> ws(c), "x", "y");
    EventId first = publish(a, "x");
    for (int i = 0; i < 99; i++) {
      publish(i % 2 == 0 ? a : c, i % 3 == 0 ? "y" : "x");
    }
    awaitAllCaughtUp(List.of("onA", "onB", "wsOnA", "wsOnB", "wsOnC"), "x", "y");
    awaitAllCaughtUp(List.of("onC"), "x");
    DeliveryChecker.Report r = checker.check();
    assertThat(r.clean()).as(r.toString()).isTrue();
    assertThat(r.resets).isZero();
    assertThat(r.received).isEqualTo(5 * 100 + checker.lastPublished("x"));
    assertThat(first.epoch()).isEqualTo(a.epoch());
  }

  @Test
  void clientsOfAStoppedNodeResumeOnAnotherWithoutLossOrRepeat() throws Exception {
    LivePushServer a = node("a");
    LivePushServer b = node("b");
    LivePushServer c = node("c");
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String n = "client" + i;
      names.add(n);
      // Like a load balancer: the first healthy node in a list that starts with A.
      client(n, () -> cluster.nodes().contains(a) ? uri(a, "x", "y") : uri(b, "x", "y"), null, "x", "y");
    }
    for (int i = 0; i < 2; i++) {
      String n = "ws" + i;
      names.add(n);
      wsClient(n, () -> cluster.nodes().contains(a) ? ws(a) : ws(b), "x", "y");
    }
    AtomicInteger published = new AtomicInteger();
    Thread publisher = new Thread(() -> {
      for (int i = 0; i < 400; i++) {
        publish(c, i % 2 == 0 ? "x" : "y");
        published.incrementAndGet();
      }
    });
    publisher.start();
    await("100 events published", () -> published.get() >= 100);
    cluster.nodes().remove(a);
    a.close(); // mid-stream: its clients reconnect to B with their last id
    publisher.join(60_000);
    awaitAllCaughtUp(names, "x", "y");
    DeliveryChecker.Report r = checker.check();
    assertThat(r.clean()).as(r.toString()).isTrue();
    assertThat(r.resets).as(r.toString()).isZero();
    for (SseTestClient cl : clients) {
      assertThat(cl.connects).as("reconnected to B").isNotEmpty();
    }
    for (WsTestClient cl : wsClients) {
      // Signalled by `subscribed`, which follows the replay: the events can all be in before it arrives.
      await("a WebSocket client reconnected to B", () -> !cl.connects.isEmpty());
    }
  }

  @Test
  void resumeOlderThanTheLocalLogIsServedFromRedis() throws Exception {
    LivePushServer a = node("a");
    SseTestClient early = client("early", () -> uri(a, "x", "y"), null, "x", "y");
    for (int i = 0; i < 30; i++) {
      publish(a, i % 3 == 0 ? "y" : "x");
    }
    awaitAllCaughtUp(List.of("early"), "x", "y");
    early.close();
    clients.remove(early);
    for (int i = 0; i < 6; i++) {
      publish(a, i % 2 == 0 ? "x" : "y"); // missed by the client, and older than the late node's local log
    }
    LivePushServer late = node("late");
    for (int i = 0; i < 6; i++) {
      publish(a, i % 2 == 0 ? "x" : "y");
    }
    // The same client (same timeline in the checker) comes back on the late node with its last id.
    SseTestClient resumed = new SseTestClient("early", () -> uri(late, "x", "y"), checker, early.lastEventId);
    clients.add(resumed);
    assertThat(resumed.connects.poll(30, TimeUnit.SECONDS)).isNotNull();
    awaitAllCaughtUp(List.of("early"), "x", "y");
    DeliveryChecker.Report r = checker.check();
    assertThat(r.clean()).as(r.toString()).isTrue();
    assertThat(r.resets).as("served from Redis, not reset").isZero();
    assertThat(buses.get(late).historyReads()).isEqualTo(1);
    assertThat(r.received).isEqualTo(42);
  }

  @Test
  void resumeBeyondTheBackfillBoundIsReset() throws Exception {
    LivePushServer a = node("a");
    EventId start = publish(a, "x");
    for (int i = 0; i < 20; i++) {
      publish(a, "x");
    }
    LivePushServer late = node("late", RedisBus.builder().uri(cluster.redis().uri()).maxBackfillEvents(5),
        ReplayConfig.defaults());
    SseTestClient c = client("c", () -> uri(late, "x"), start.toString(), "x");
    await("a reset", () -> !c.resetReasons.isEmpty());
    assertThat(c.resetReasons).containsExactly("too-old");
    publish(a, "x");
    awaitAllCaughtUp(List.of("c"), "x");
    DeliveryChecker.Report r = checker.check();
    assertThat(r.duplicated + r.outOfOrder).as(r.toString()).isZero();
    assertThat(r.lost).as(r.toString()).isZero();
  }

  /** Publishes, recording an ambiguous failure as uncertain; returns whether it was acknowledged. */
  private boolean tryPublish(LivePushServer node, String topic) {
    return harness.tryPublish(topic, text -> node.publish(topic, Event.text(text)), RedisBusException.class);
  }

  /** Kills every Redis connection of the node whose bus named itself {@code clientName}; returns how many. */
  private int killConnections(String clientName) {
    RedisClient admin = RedisClient.create(cluster.redis().uri());
    try (StatefulRedisConnection<String, String> c = admin.connect()) {
      int killed = 0;
      for (String line : c.sync().clientList().split("\n")) {
        if (line.contains(" name=" + clientName + " ")) {
          String id = line.substring(3, line.indexOf(' '));
          killed += (int) (long) c.sync().clientKill(io.lettuce.core.KillArgs.Builder.id(Long.parseLong(id)));
        }
      }
      return killed;
    } finally {
      admin.shutdown();
    }
  }

  private void redisCommand(String... args) throws Exception {
    RedisClient admin = RedisClient.create(cluster.redis().uri());
    try (StatefulRedisConnection<String, String> c = admin.connect()) {
      c.sync().configSet(args[0], args[1]);
    } finally {
      admin.shutdown();
    }
  }

  @Test
  void redisRestartWithoutDataMidPublishChangesTheEpochAndEveryEventIsDeliveredOrReset() throws Exception {
    LivePushServer a = node("a");
    LivePushServer b = node("b");
    long oldEpoch = a.epoch();
    List<String> names = List.of("onA", "onB");
    client("onA", () -> uri(a, "x", "y"), null, "x", "y");
    client("onB", () -> uri(b, "x", "y"), null, "x", "y");
    AtomicInteger ok = new AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread publisher = new Thread(() -> {
      int i = 0;
      while (!stop.get()) {
        if (tryPublish(i % 2 == 0 ? a : b, i % 3 == 0 ? "y" : "x")) {
          ok.incrementAndGet();
        } else {
          try {
            Thread.sleep(5); // publisher's own retry pacing while Redis is down
          } catch (InterruptedException e) {
            return;
          }
        }
        i++;
      }
    });
    publisher.start();
    await("50 acknowledged publishes", () -> ok.get() >= 50);
    cluster.redis().kill();
    cluster.redis().startAgain();
    int before = ok.get();
    await("50 publishes after the restart", () -> ok.get() >= before + 50);
    await("both nodes in the new epoch", () -> a.epoch() != oldEpoch && b.epoch() != oldEpoch);
    stop.set(true);
    publisher.join(10_000);
    assertThat(a.epoch()).isEqualTo(b.epoch());
    awaitAllCaughtUp(names, "x", "y");
    DeliveryChecker.Report r = checker.check();
    assertThat(r.clean()).as(r.toString()).isTrue();
    for (SseTestClient c : clients) {
      assertThat(c.resetReasons).as("told the history changed").contains("epoch-changed");
      assertThat(c.connects).as("stayed connected through the restart").isEmpty();
    }
  }

  @Test
  void droppedRedisConnectionsMidPublishAreBackfilledFromTheStream() throws Exception {
    LivePushServer a = node("a");
    LivePushServer b = node("b");
    client("onB", () -> uri(b, "x", "y"), null, "x", "y");
    client("onA", () -> uri(a, "x", "y"), null, "x", "y");
    AtomicInteger attempts = new AtomicInteger();
    Thread publisher = new Thread(() -> {
      for (int i = 0; i < 600; i++) {
        tryPublish(i % 5 == 0 ? b : a, i % 2 == 0 ? "x" : "y");
        attempts.incrementAndGet();
      }
    });
    publisher.start();
    int killed = 0;
    for (int round = 1; round <= 3; round++) {
      int target = round * 150;
      await(target + " publishes", () -> attempts.get() >= target);
      killed += killConnections("b"); // node B's reader (and command) connections, mid-publish
    }
    publisher.join(60_000);
    assertThat(killed).as("connections of node b killed").isPositive();
    awaitAllCaughtUp(List.of("onA", "onB"), "x", "y");
    DeliveryChecker.Report r = checker.check();
    assertThat(r.clean()).as(r.toString()).isTrue();
    assertThat(r.resets).as("a blip leaves no hole: the reader continues from its last offset").isZero();
  }

  @Test
  void eventsTrimmedBeforeANodeReadThemBecomeAReset() throws Exception {
    redisCommand("stream-node-max-entries", "1"); // lets MAXLEN ~ trim exactly, so a small bound bites
    RedisBus.Builder small = RedisBus.builder().uri(cluster.busUri("a")).maxStreamLength(5);
    LivePushServer a = node("a", small, ReplayConfig.defaults());
    LivePushServer b = node("b", RedisBus.builder().uri(cluster.busUri("b")).maxStreamLength(5)
        .reconnectDelay(Duration.ofSeconds(5), Duration.ofSeconds(5)), ReplayConfig.defaults());
    SseTestClient c = client("onB", () -> uri(b, "x"), null, "x");
    for (int i = 0; i < 3; i++) {
      publish(a, "x");
    }
    awaitAllCaughtUp(List.of("onB"), "x");
    assertThat(killConnections("b")).isPositive(); // B's reader now waits 5 s before reconnecting
    for (int i = 0; i < 30; i++) {
      publish(a, "x"); // trimmed to the last ~5 before B reads again
    }
    await("a reset on B", () -> !c.resetReasons.isEmpty());
    assertThat(c.resetReasons).containsExactly("too-old");
    awaitAllCaughtUp(List.of("onB"), "x");
    DeliveryChecker.Report r = checker.check();
    assertThat(r.clean()).as(r.toString()).isTrue();
    assertThat(r.resets).isEqualTo(1);
  }

  @Test
  void whileRedisIsDownPublishFailsFastClientsStayConnectedAndAllRecovers() throws Exception {
    LivePushServer a = node("a");
    SseTestClient c = client("onA", () -> uri(a, "x"), null, "x");
    publish(a, "x");
    awaitAllCaughtUp(List.of("onA"), "x");
    cluster.redis().kill();
    long t0 = System.nanoTime();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.publish("x", Event.text("x/lost")))
        .isInstanceOf(RedisBusException.class)
        .hasMessageContaining("publish to x failed");
    assertThat(a.publishAsync("x", Event.text("x/lost")))
        .failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(RedisBusException.class);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("fails fast").isLessThan(2_000);
    cluster.redis().startAgain();
    await("publish works again", () -> tryPublish(a, "x"));
    awaitAllCaughtUp(List.of("onA"), "x");
    assertThat(c.connects).as("the client never reconnected").isEmpty();
    assertThat(c.resetReasons).containsExactly("epoch-changed");
    DeliveryChecker.Report r = checker.check();
    assertThat(r.clean()).as(r.toString()).isTrue();
  }

  @Test
  void blockingPublishOnAnEventLoopIsRefused() throws Exception {
    LivePushServer a = node("a");
    io.netty.util.concurrent.DefaultEventExecutor loop = new io.netty.util.concurrent.DefaultEventExecutor();
    try {
      io.netty.util.concurrent.Future<?> f = loop.submit(() -> a.publish("x", Event.text("x/1")));
      f.await(5, TimeUnit.SECONDS);
      assertThat(f.cause()).isInstanceOf(IllegalStateException.class).hasMessageContaining("publishAsync");
      assertThat(loop.submit(() -> a.publishAsync("x", Event.text("x/1")).join()).get(5, TimeUnit.SECONDS))
          .isNotNull();
    } finally {
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  @Test
  void aCounterThatWentBackInTimeReplacesTheEpoch() throws Exception {
    LivePushServer a = node("a");
    SseTestClient c = client("onA", () -> uri(a, "x"), null, "x");
    for (int i = 0; i < 5; i++) {
      publish(a, "x");
    }
    awaitAllCaughtUp(List.of("onA"), "x");
    long old = a.epoch();
    RedisClient admin = RedisClient.create(cluster.redis().uri());
    try (StatefulRedisConnection<String, String> conn = admin.connect()) {
      conn.sync().set("{livepush}:seq", "2"); // what a failover to a replica that missed writes looks like
    } finally {
      admin.shutdown();
    }
    await("a new epoch", () -> a.epoch() != old);
    publish(a, "x");
    awaitAllCaughtUp(List.of("onA"), "x");
    assertThat(c.resetReasons).containsExactly("epoch-changed");
    DeliveryChecker.Report r = checker.check();
    assertThat(r.clean()).as(r.toString()).isTrue();
  }

  @Test
  void clientsResumeOnANodeThatJoinedLaterWhileEventsKeepComing() throws Exception {
    LivePushServer a = node("a");
    java.util.concurrent.atomic.AtomicReference<LivePushServer> target = new java.util.concurrent.atomic.AtomicReference<>(a);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      names.add("sse" + i);
      client("sse" + i, () -> target.get() == null ? NOWHERE : uri(target.get(), "x", "y"), null, "x", "y");
      names.add("ws" + i);
      wsClient("ws" + i, () -> target.get() == null ? NOWHERE : ws(target.get()), "x", "y");
    }
    AtomicInteger published = new AtomicInteger();
    Thread publisher = new Thread(() -> {
      for (int i = 0; i < 600; i++) {
        publish(a, i % 2 == 0 ? "x" : "y");
        published.incrementAndGet();
      }
    });
    publisher.start();
    await("150 events published", () -> published.get() >= 150);
    // The clients lose their node and find none for a while (refused), then land on a node that joined after
    // they left: its local log starts later than their ids, so each resume reads the missed part from Redis
    // while live events keep arriving (held, then flushed after the history).
    target.set(null);
    for (SseTestClient c : clients) {
      c.dropConnection();
    }
    for (WsTestClient c : wsClients) {
      c.dropConnection();
    }
    await("250 events published", () -> published.get() >= 250);
    LivePushServer late = node("late");
    target.set(late);
    publisher.join(60_000);
    awaitAllCaughtUp(names, "x", "y");
    DeliveryChecker.Report r = checker.check();
    assertThat(r.clean()).as(r.toString()).isTrue();
    assertThat(r.resets).as(r.toString()).isZero();
    assertThat(buses.get(late).historyReads()).as("resumes served from Redis").isEqualTo(names.size());
  }

  @Test
  void pipelinedPublishesReachAnotherNodeInOrder() throws Exception {
    LivePushServer a = node("a");
    LivePushServer b = node("b");
    client("onB", () -> uri(b, "x"), null, "x");
    int n = 5_000;
    long t0 = System.nanoTime();
    List<java.util.concurrent.CompletableFuture<EventId>> acks = new ArrayList<>(n);
    for (int i = 1; i <= n; i++) {
      acks.add(a.publishAsync("x", Event.text("x/" + i))); // one connection, pipelined: Redis keeps the order
    }
    java.util.concurrent.CompletableFuture.allOf(acks.toArray(new java.util.concurrent.CompletableFuture[0]))
        .get(60, TimeUnit.SECONDS);
    long acked = System.nanoTime();
    for (int i = 1; i <= n; i++) {
      checker.published("x", i);
    }
    awaitAllCaughtUp(List.of("onB"), "x");
    long delivered = System.nanoTime();
    DeliveryChecker.Report r = checker.check();
    assertThat(r.clean()).as(r.toString()).isTrue();
    assertThat(r.received).isEqualTo(n);
    System.out.printf("cluster: %d publishes acked in %d ms, all delivered on the other node after %d ms%n", n,
        TimeUnit.NANOSECONDS.toMillis(acked - t0), TimeUnit.NANOSECONDS.toMillis(delivered - t0));
  }
}
