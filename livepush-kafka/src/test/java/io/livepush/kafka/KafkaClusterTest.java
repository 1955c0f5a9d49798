package io.livepush.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.ReplayConfig;
import io.livepush.testing.ClusterClients;
import io.livepush.testing.DeliveryChecker;
import io.livepush.testing.SseTestClient;
import io.livepush.testing.WsTestClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Several livepush nodes in one JVM on one real Kafka broker (KRaft, one node, its own JVM, shared by the class;
 * each test has a topic of its own); SSE and WebSocket clients that fail over between nodes like browsers behind
 * a load balancer without stickiness; every run checked with {@link DeliveryChecker}.
 */
class KafkaClusterTest {
  private static KafkaBrokerProcess broker;
  private static final AtomicInteger TOPICS = new AtomicInteger();
  private String topic;
  private final List<LivePushServer> nodes = new CopyOnWriteArrayList<>();
  private final ClusterClients harness = new ClusterClients();
  private final List<SseTestClient> clients = harness.sse;
  private final List<WsTestClient> wsClients = harness.ws;
  private final DeliveryChecker checker = harness.checker;
  private final Map<LivePushServer, KafkaBus> buses = new ConcurrentHashMap<>();

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBrokerProcess.shared(); // stopped when the JVM exits
  }

  @AfterEach
  void stopAll() {
    harness.close();
    for (LivePushServer n : nodes) {
      n.close();
    }
  }

  private String topic() {
    if (topic == null) {
      topic = "livepush-test-" + TOPICS.incrementAndGet();
    }
    return topic;
  }

  private KafkaBus.Builder bus() {
    return KafkaNodeMain.bus(broker.bootstrapServers(), topic());
  }

  private LivePushServer node() {
    return node(bus(), ReplayConfig.defaults());
  }

  private LivePushServer node(KafkaBus.Builder busBuilder, ReplayConfig replay) {
    KafkaBus bus = busBuilder.build();
    LivePushServer s = server(bus, replay);
    buses.put(s, bus);
    s.start().join();
    nodes.add(s);
    return s;
  }

  /** A test node (not started): SSE on {@code /events}, WebSocket, port 0 on 127.0.0.1, on {@code bus}. */
  static LivePushServer server(KafkaBus bus, ReplayConfig replay) {
    return KafkaNodeMain.node(bus).replay(replay).build();
  }

  private static URI uri(LivePushServer node, String... topics) {
    return ClusterClients.sseUri(node.port(), topics);
  }

  private static URI ws(LivePushServer node) {
    return ClusterClients.wsUri(node.port());
  }

  private SseTestClient client(String name, Supplier<URI> target, String lastEventId, String... topics)
      throws InterruptedException {
    return harness.sse(name, target, lastEventId, topics);
  }

  private WsTestClient wsClient(String name, Supplier<URI> target, String... topics) throws InterruptedException {
    return harness.ws(name, target, topics);
  }

  private EventId publish(LivePushServer node, String t) {
    return harness.publish(t, text -> node.publish(t, Event.text(text)));
  }

  /** Publishes, recording an ambiguous failure as uncertain; returns whether it was acknowledged. */
  private boolean tryPublish(LivePushServer node, String t) {
    return harness.tryPublish(t, text -> node.publish(t, Event.text(text)), KafkaBusException.class);
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    ClusterClients.await(what, condition);
  }

  private void awaitAllCaughtUp(List<String> clientNames, String... topics) throws InterruptedException {
    harness.awaitAllCaughtUp(clientNames, topics);
  }

  private Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
  }

  @Test
  void publishOnOneNodeReachesSseAndWebSocketSubscribersOnEveryNode() throws Exception {
    LivePushServer a = node();
    LivePushServer b = node();
    LivePushServer c = node();
    assertThat(a.epoch()).isEqualTo(b.epoch()).isEqualTo(c.epoch());
    client("onA", () -> uri(a, "x", "y"), null, "x", "y");
    client("onB", () -> uri(b, "x", "y"), null, "x", "y");
    wsClient("wsOnC", () -> ws(c), "x", "y");
    EventId first = publish(a, "x");
    for (int i = 0; i < 99; i++) {
      publish(i % 2 == 0 ? b : c, i % 3 == 0 ? "y" : "x");
    }
    awaitAllCaughtUp(List.of("onA", "onB", "wsOnC"), "x", "y");
    DeliveryChecker.Report r = checker.check();
    assertThat(r.clean()).as(r.toString()).isTrue();
    assertThat(r.resets).isZero();
    assertThat(r.received).isEqualTo(3 * 100);
    assertThat(first.epoch()).isEqualTo(a.epoch());
    assertThat(first.toString().length()).as("a compact id: " + first).isLessThanOrEqualTo(22);
  }

  @Test
  void clientsOfAStoppedNodeResumeOnAnotherWithoutLossOrRepeat() throws Exception {
    LivePushServer a = node();
    LivePushServer b = node();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String n = "sse" + i;
      names.add(n);
      client(n, () -> nodes.contains(a) ? uri(a, "x", "y") : uri(b, "x", "y"), null, "x", "y");
    }
    names.add("ws");
    wsClient("ws", () -> nodes.contains(a) ? ws(a) : ws(b), "x", "y");
    AtomicInteger published = new AtomicInteger();
    Thread publisher = new Thread(() -> {
      for (int i = 0; i < 300; i++) {
        publish(b, i % 2 == 0 ? "x" : "y");
        published.incrementAndGet();
      }
    });
    publisher.start();
    await("100 events published", () -> published.get() >= 100);
    nodes.remove(a);
    a.close(); // mid-stream: its clients reconnect to B with their last id
    publisher.join(120_000);
    awaitAllCaughtUp(names, "x", "y");
    DeliveryChecker.Report r = checker.check();
    assertThat(r.clean()).as(r.toString()).isTrue();
    assertThat(r.resets).as(r.toString()).isZero();
    for (SseTestClient cl : clients) {
      assertThat(cl.connects).as("reconnected to B").isNotEmpty();
    }
  }

  @Test
  void afterEveryNodeRestartedClientsResumeFromIdsIssuedBeforeWithNothingLost() throws Exception {
    LivePushServer a = node();
    LivePushServer b = node();
    SseTestClient sse = client("sse", () -> uri(a, "x", "y"), null, "x", "y");
    WsTestClient ws = wsClient("ws", () -> ws(b), "x", "y");
    for (int i = 0; i < 40; i++) {
      publish(i % 2 == 0 ? a : b, i % 3 == 0 ? "y" : "x");
    }
    awaitAllCaughtUp(List.of("sse", "ws"), "x", "y");
    String sseId = sse.lastEventId;
    String wsId = ws.lastId;
    long epoch = a.epoch();
    sse.close();
    ws.close();
    clients.clear();
    wsClients.clear();
    for (int i = 0; i < 10; i++) {
      publish(a, i % 2 == 0 ? "x" : "y"); // missed by both clients, and older than the new nodes' logs
    }
    for (LivePushServer n : nodes) {
      n.close(); // every livepush node is gone: only Kafka keeps the history
    }
    nodes.clear();
    LivePushServer a2 = node();
    LivePushServer b2 = node();
    assertThat(a2.epoch()).as("the same history (same topic)").isEqualTo(epoch);
    for (int i = 0; i < 20; i++) {
      publish(i % 2 == 0 ? a2 : b2, i % 3 == 0 ? "y" : "x"); // missed by both clients while away
    }
    SseTestClient sseBack = new SseTestClient("sse", () -> uri(b2, "x", "y"), checker, sseId);
    clients.add(sseBack);
    assertThat(sseBack.connects.poll(60, TimeUnit.SECONDS)).isNotNull();
    // Resumes with "from": the id it held before the restart.
    WsTestClient wsBack = new WsTestClient("ws", () -> ws(a2), checker, List.of("x", "y"), wsId);
    wsClients.add(wsBack);
    assertThat(wsBack.connects.poll(60, TimeUnit.SECONDS)).isNotNull();
    for (int i = 0; i < 10; i++) {
      publish(a2, i % 2 == 0 ? "x" : "y");
    }
    awaitAllCaughtUp(List.of("sse", "ws"), "x", "y");
    DeliveryChecker.Report r = checker.check();
    assertThat(r.clean()).as(r.toString()).isTrue();
    assertThat(r.resets).as("served from Kafka, not reset: " + r).isZero();
    assertThat(r.received).isEqualTo(2 * 80);
    assertThat(buses.get(b2).historyReads() + buses.get(a2).historyReads()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void recordsRemovedFromKafkaBeforeAResumeBecomeAReset() throws Exception {
    LivePushServer a = node();
    Instant before = Instant.now();
    EventId start = publish(a, "x");
    for (int i = 0; i < 19; i++) {
      publish(a, "x");
    }
    try (Admin admin = admin()) {
      admin.deleteRecords(Map.of(new TopicPartition(topic(), 0), RecordsToDelete.beforeOffset(15)))
          .all().get(30, TimeUnit.SECONDS);
    }
    LivePushServer late = node(); // its local log starts after the deletion: the resume must read Kafka
    SseTestClient c = client("c", () -> uri(late, "x"), start.toString(), "x");
    // By time: the records from `before` on that are left start at the log start, after removed ones that may
    // have been as recent: an explicit reset, never a silent skip.
    URI since = URI.create(uri(late, "x") + "&since=" + before);
    SseTestClient byTime = client("byTime", () -> since, null, "x");
    checker.follow("wsByTime", "x", 0);
    WsTestClient wsByTime = new WsTestClient("wsByTime", () -> ws(late), checker, List.of("x"), before.toString());
    wsClients.add(wsByTime);
    await("resets", () -> !c.resetReasons.isEmpty() && !byTime.resetReasons.isEmpty()
        && !wsByTime.resetReasons.isEmpty());
    assertThat(c.resetReasons).containsExactly("too-old");
    assertThat(byTime.resetReasons).containsExactly("too-old");
    assertThat(wsByTime.resetReasons).containsExactly("too-old");
    publish(a, "x");
    awaitAllCaughtUp(List.of("c", "byTime", "wsByTime"), "x");
    DeliveryChecker.Report r = checker.check();
    assertThat(r.duplicated + r.outOfOrder + r.lost).as(r.toString()).isZero();
  }

  @Test
  void recordsRemovedBeforeANodeReadThemResetItsClientsAndReadingGoesOn() throws Exception {
    LivePushServer a = node();
    LivePushServer b = node();
    client("onA", () -> uri(a, "x"), null, "x");
    SseTestClient onB = client("onB", () -> uri(b, "x"), null, "x");
    publish(a, "x");
    awaitAllCaughtUp(List.of("onA", "onB"), "x");
    buses.get(b).pauseReading(true); // B stalls
    for (int i = 0; i < 20; i++) {
      publish(a, "x");
    }
    awaitAllCaughtUp(List.of("onA"), "x");
    try (Admin admin = admin()) {
      admin.deleteRecords(Map.of(new TopicPartition(topic(), 0), RecordsToDelete.beforeOffset(15)))
          .all().get(30, TimeUnit.SECONDS); // retention overtakes B's position (1)
    }
    buses.get(b).pauseReading(false);
    await("B's client reset", () -> !onB.resetReasons.isEmpty());
    assertThat(onB.resetReasons).containsExactly("too-old");
    publish(a, "x");
    awaitAllCaughtUp(List.of("onA", "onB"), "x");
    DeliveryChecker.Report r = checker.check();
    assertThat(r.clean()).as(r.toString()).isTrue();
    assertThat(onB.connects).as("stayed connected").isEmpty();
  }

  @Test
  void aRecreatedTopicIsANewEpochAndEveryClientIsReset() throws Exception {
    LivePushServer a = node(bus().epochCheckInterval(Duration.ofMillis(200)), ReplayConfig.defaults());
    LivePushServer b = node(bus().epochCheckInterval(Duration.ofMillis(200)), ReplayConfig.defaults());
    long old = a.epoch();
    SseTestClient sse = client("sse", () -> uri(a, "x"), null, "x");
    WsTestClient ws = wsClient("ws", () -> ws(b), "x");
    for (int i = 0; i < 5; i++) {
      publish(a, "x");
    }
    awaitAllCaughtUp(List.of("sse", "ws"), "x");
    try (Admin admin = admin()) {
      admin.deleteTopics(List.of(topic())).all().get(30, TimeUnit.SECONDS);
      await("the topic gone", () -> {
        try {
          return !admin.listTopics().names().get(5, TimeUnit.SECONDS).contains(topic());
        } catch (Exception e) {
          return false;
        }
      });
      try {
        admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic(), 1, (short) 1)))
            .all().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        // a producer's metadata request may have re-created it first (auto.create.topics.enable): same effect
        assertThat(e.getCause()).isInstanceOf(org.apache.kafka.common.errors.TopicExistsException.class);
      }
    }
    await("both nodes in the new epoch", () -> a.epoch() != old && b.epoch() != old);
    assertThat(a.epoch()).isEqualTo(b.epoch());
    await("both clients reset", () -> !sse.resetReasons.isEmpty() && !ws.resetReasons.isEmpty());
    assertThat(sse.resetReasons).containsExactly("epoch-changed");
    assertThat(ws.resetReasons).containsExactly("epoch-changed");
    EventId next = publish(b, "x");
    assertThat(next.epoch()).isEqualTo(a.epoch());
    awaitAllCaughtUp(List.of("sse", "ws"), "x");
    DeliveryChecker.Report r = checker.check();
    assertThat(r.duplicated + r.outOfOrder + r.lost).as(r.toString()).isZero();
  }

  @Test
  void recordsOfAnotherProducerAreMappedValidatedAndDelivered() throws Exception {
    KafkaRecordMapper mapper = rec -> {
      String key = rec.key() == null ? "" : new String(rec.key(), StandardCharsets.UTF_8);
      if (key.equals("ignored")) {
        return null;
      }
      String value = new String(rec.value(), StandardCharsets.UTF_8);
      Header json = rec.headers().lastHeader("json");
      Event e = json != null ? Event.rawJson(value) : Event.text(value);
      Header type = rec.headers().lastHeader("type");
      return new KafkaRecordMapper.Mapped(key, type == null ? e : e.withType(new String(type.value(),
          StandardCharsets.UTF_8)));
    };
    LivePushServer a = node(bus().mapper(mapper), ReplayConfig.defaults());
    LivePushServer b = node(bus().mapper(mapper), ReplayConfig.defaults());
    client("sse", () -> uri(a, "orders"), null, "orders");
    wsClient("ws", () -> ws(b), "orders");
    Instant before = Instant.now();
    int bad = 0;
    try (KafkaProducer<byte[], byte[]> other = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
      for (int i = 1; i <= 30; i++) {
        other.send(record("orders", "orders/" + i, null));
        checker.published("orders", i);
        if (i % 10 == 0) {
          other.send(record("bad topic!", "x/1", null)); // invalid topic name
          other.send(record("orders", "{not json", "json")); // malformed JSON
          other.send(record("ignored", "x/1", null)); // the mapper skips it: not bad
          bad += 2;
        }
      }
      ProducerRecord<byte[], byte[]> reserved = record("orders", "x/1", null);
      reserved.headers().add("type", bytes("reset")); // the reserved type: refused like a publish
      other.send(reserved);
      ProducerRecord<byte[], byte[]> tombstone = new ProducerRecord<>(topic(), 0, bytes("orders"), null);
      other.send(tombstone); // no value
      ProducerRecord<byte[], byte[]> forged = new ProducerRecord<>(topic(), 0, null, bytes("x/1"));
      forged.headers().add(KafkaRecords.TOPIC, bytes("orders")).add(KafkaRecords.KIND, bytes("JSON"));
      other.send(forged); // livepush's format, but not JSON
      bad += 3;
      other.flush();
    }
    awaitAllCaughtUp(List.of("sse", "ws"), "orders");
    int expectedBad = bad;
    await("bad records counted on A and B", () -> buses.get(a).badRecords() >= expectedBad
        && buses.get(b).badRecords() >= expectedBad);
    DeliveryChecker.Report r = checker.check();
    assertThat(r.clean()).as(r.toString()).isTrue();
    assertThat(r.received).isEqualTo(2 * 30);
    assertThat(buses.get(a).badRecords()).isEqualTo(expectedBad);
    // Resume by time on the wire (offsetsForTimes): SSE ?since= and WebSocket "from" replay everything written
    // since `before`, from Kafka (node C starts after the records: its local log has none of them).
    LivePushServer c = node(bus().mapper(mapper), ReplayConfig.defaults());
    DeliveryChecker fresh = new DeliveryChecker();
    fresh.follow("late", "orders", 0);
    fresh.follow("lateWs", "orders", 0);
    for (int i = 1; i <= 30; i++) {
      fresh.published("orders", i);
    }
    URI since = URI.create(uri(c, "orders") + "&since=" + before);
    clients.add(new SseTestClient("late", () -> since, fresh, null));
    wsClients.add(new WsTestClient("lateWs", () -> ws(c), fresh, List.of("orders"), before.toString()));
    await("late clients replay all 30 from the time", () -> fresh.caughtUp("late", "orders", 30)
        && fresh.caughtUp("lateWs", "orders", 30));
    assertThat(fresh.check().clean()).as(fresh.check().toString()).isTrue();
    // A time after every record: live from there, nothing replayed.
    DeliveryChecker live = new DeliveryChecker();
    live.follow("now", "orders", 30);
    URI now = URI.create(uri(c, "orders") + "&since=" + Instant.now());
    SseTestClient fromNow = new SseTestClient("now", () -> now, live, null);
    clients.add(fromNow);
    await("subscribed from now", () -> !fromNow.connects.isEmpty() && fromNow.lastEventId != null);
    live.published("orders", 31);
    try (KafkaProducer<byte[], byte[]> other = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      other.send(record("orders", "orders/31", null)).get(30, TimeUnit.SECONDS);
    }
    await("the live record after the time", () -> live.caughtUp("now", "orders", 31));
    assertThat(live.check().clean()).as(live.check().toString()).isTrue();
  }

  /** The topic's records as offset=value, for failure messages. */
  private String dumpLog() {
    StringBuilder out = new StringBuilder();
    try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(Map.of(
        "bootstrap.servers", broker.bootstrapServers(),
        "key.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class,
        "value.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class))) {
      TopicPartition tp = new TopicPartition(topic(), 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      while (c.position(tp) < end) {
        for (var rec : c.poll(Duration.ofMillis(500))) {
          out.append(rec.offset()).append('=').append(new String(rec.value(), StandardCharsets.UTF_8)).append(' ');
        }
      }
    }
    return out.toString();
  }

  private ProducerRecord<byte[], byte[]> record(String key, String value, String jsonHeader) {
    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic(), 0, bytes(key), bytes(value));
    if (jsonHeader != null) {
      r.headers().add(jsonHeader, new byte[0]);
    }
    return r;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void brokerRestartMidPublishFailsPublishesFastKeepsClientsAndLosesNothing() throws Exception {
    LivePushServer a = node();
    LivePushServer b = node();
    long epoch = a.epoch();
    SseTestClient onA = client("onA", () -> uri(a, "x", "y"), null, "x", "y");
    WsTestClient onB = wsClient("onB", () -> ws(b), "x", "y");
    AtomicInteger ok = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    Thread publisher = new Thread(() -> {
      int i = 0;
      while (!stop.get()) {
        if (tryPublish(i % 2 == 0 ? a : b, i % 3 == 0 ? "y" : "x")) {
          ok.incrementAndGet();
        } else {
          try {
            Thread.sleep(20); // the publisher's own retry pacing while Kafka is down
          } catch (InterruptedException e) {
            return;
          }
        }
        i++;
      }
    });
    publisher.start();
    await("50 publishes", () -> ok.get() >= 50);
    broker.kill();
    try {
      // Once the first publishes timed out, the following ones fail at once.
      await("publishes failing fast", () -> {
        long t0 = System.nanoTime();
        try {
          a.publish("z", Event.text("z/0"));
          return false;
        } catch (KafkaBusException e) {
          return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 200;
        }
      });
      assertThatThrownBy(() -> b.publishAsync("z", Event.text("z/0")).get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(KafkaBusException.class);
    } finally {
      broker.startAgain(); // the broker is shared by the JVM's Kafka test classes
    }
    int before = ok.get();
    await("50 publishes after the restart", () -> ok.get() >= before + 50);
    stop.set(true);
    publisher.join(30_000);
    awaitAllCaughtUp(List.of("onA", "onB"), "x", "y");
    DeliveryChecker.Report r = checker.check();
    assertThat(r.clean()).as(r + " log: " + dumpLog()).isTrue();
    assertThat(r.resets).as("Kafka kept its log: no reset " + r).isZero();
    assertThat(a.epoch()).isEqualTo(epoch);
    assertThat(onA.connects).as("stayed connected through the restart").isEmpty();
    assertThat(onB.resetReasons).isEmpty();
  }
}
