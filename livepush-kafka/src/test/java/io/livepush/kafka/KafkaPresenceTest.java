package io.livepush.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.LivePushServer;
import io.livepush.Presence;
import io.livepush.fixtures.PresenceNodes;
import io.livepush.sse.SseTransport;
import io.livepush.testing.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Presence across two livepush nodes on one real Kafka broker (the JVM's shared one; a bus topic and presence
 * topic per test): members on A and B are counted and listed on both, a stopped node's members leave, a silent
 * node's members leave after the expiry, announced once. Interval 200 ms, expiry 1 s.
 */
class KafkaPresenceTest {
  private static final Duration INTERVAL = Duration.ofMillis(200);
  private static final Duration EXPIRY = Duration.ofSeconds(1);
  private static final AtomicInteger TOPICS = new AtomicInteger();
  private static KafkaBrokerProcess broker;
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final String topic = "livepush-presence-test-" + TOPICS.incrementAndGet();
  private final List<LivePushServer> nodes = new CopyOnWriteArrayList<>();
  private final Map<LivePushServer, KafkaBus> buses = new ConcurrentHashMap<>();
  private final List<Stream<String>> streams = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBrokerProcess.shared();
  }

  @AfterEach
  void stopAll() {
    streams.forEach(Stream::close);
    for (LivePushServer n : nodes) {
      n.close();
    }
  }

  private LivePushServer node() {
    return node(true);
  }

  private LivePushServer node(boolean createTopic) {
    KafkaBus bus = KafkaBus.builder().bootstrapServers(broker.bootstrapServers()).topic(topic)
        .createTopic(createTopic, (short) 1)
        .pollInterval(Duration.ofMillis(100)).presenceInterval(INTERVAL, EXPIRY).build();
    LivePushServer s = PresenceNodes.presence(LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(1)
            .nativeTransport(false).shutdownDrain(Duration.ZERO))
        .transport(SseTransport.builder().multiTopicPath("/events").build())
        .bus(bus)
        .build();
    s.start().join();
    nodes.add(s);
    buses.put(s, bus);
    return s;
  }

  /** Opens an SSE stream; its {@code data:} lines go to the returned queue. Closed after the test. */
  private BlockingQueue<String> stream(LivePushServer node, String query) throws Exception {
    BlockingQueue<String> data = new LinkedBlockingQueue<>();
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/events?" + query))
        .build();
    HttpResponse<Stream<String>> head = http.send(r, HttpResponse.BodyHandlers.ofLines());
    assertThat(head.statusCode()).isEqualTo(200);
    streams.add(head.body());
    Thread t = new Thread(() -> {
      try {
        head.body().filter(l -> l.startsWith("data:")).forEach(l -> data.add(l.substring(5).trim()));
      } catch (RuntimeException closed) {
        // the stream ended with the test
      }
    }, "sse-" + query);
    t.setDaemon(true);
    t.start();
    return data;
  }

  /** The next presence event about {@code member} (join or leave: both carry {@code count}). */
  private JsonNode next(BlockingQueue<String> data, String member) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      String d = data.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      assertThat(d).as("presence event for " + member).isNotNull();
      JsonNode n = json.readTree(d);
      if (n.path("member").asText().equals(member) && n.has("count")) {
        return n;
      }
    }
  }

  private static List<String> names(LivePushServer n) {
    return n.presence().members("room").stream().map(Presence.Member::name).toList();
  }

  private static void awaitEverywhere(List<LivePushServer> on, List<String> members) throws InterruptedException {
    for (LivePushServer n : on) {
      Await.until("members " + members + " on :" + n.port() + " (has " + names(n) + ")", Duration.ofSeconds(30),
          () -> names(n).equals(members) && n.presence().count("room") == members.size());
    }
  }

  /** Alice on A, bob on B, carol on both; watched from B, whose queue is returned empty. */
  private BlockingQueue<String> join(LivePushServer a, LivePushServer b) throws Exception {
    BlockingQueue<String> watcher = stream(b, "topic=room~presence");
    stream(a, "topic=room&user=alice");
    assertThat(next(watcher, "alice").path("count").asInt()).isEqualTo(1);
    awaitEverywhere(List.of(a, b), List.of("alice"));
    stream(b, "topic=room&user=bob");
    assertThat(next(watcher, "bob").path("count").asInt()).as("bob's join counts alice on A").isEqualTo(2);
    stream(a, "topic=room&user=carol");
    stream(b, "topic=room&user=carol");
    awaitEverywhere(List.of(a, b), List.of("alice", "bob", "carol"));
    Await.until("carol's two connections seen from B", Duration.ofSeconds(30), () -> b.presence().members("room")
        .stream().anyMatch(m -> m.name().equals("carol") && m.connections() == 2));
    assertThat(b.presence().members("room").get(0).metadata()).isEqualTo(Map.of("display", "ALICE"));
    watcher.clear();
    return watcher;
  }

  @Test
  void membersOfTwoNodesAreCountedOnBothAndAStoppedNodesMembersLeave() throws Exception {
    LivePushServer a = node();
    LivePushServer b = node();
    BlockingQueue<String> watcher = join(a, b);
    nodes.remove(a);
    a.close(); // departs: B reaps it at its next exchange
    awaitEverywhere(List.of(b), List.of("bob", "carol"));
    JsonNode leave = next(watcher, "alice");
    assertThat(leave.path("count").asInt()).as(leave.toString()).isEqualTo(2);
    assertThat(leave.path("metadata").path("display").asText()).isEqualTo("ALICE");
  }

  @Test
  void aSilentNodesMembersExpireAndTheirLeaveIsAnnouncedOnce() throws Exception {
    LivePushServer a = node();
    LivePushServer b = node();
    BlockingQueue<String> watcher = join(a, b);
    buses.get(a).pausePresence(); // A stays up but stops announcing, as if it had crashed or was cut off
    awaitEverywhere(List.of(b), List.of("bob", "carol")); // after the expiry
    JsonNode leave = next(watcher, "alice");
    assertThat(leave.path("count").asInt()).as(leave.toString()).isEqualTo(2);
    stream(b, "topic=room&user=dave");
    assertThat(next(watcher, "dave").path("count").asInt()).isEqualTo(3);
    List<String> between = new ArrayList<>(watcher);
    assertThat(between).as("one leave for alice").noneMatch(d -> d.contains("\"alice\""));
  }

  @Test
  void withoutItsPresenceTopicANodeKeepsPresencePerNode() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
      LivePushServer a = node(false); // createTopic off: the operator made the bus topic, not the presence one
      stream(a, "topic=room&user=alice");
      Await.until("alice counted on A", Duration.ofSeconds(30), () -> a.presence().count("room") == 1);
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(topic)
          .doesNotContain(topic + "-presence");
    }
  }
}
