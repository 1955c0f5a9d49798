package io.livepush.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.LivePushServer;
import io.livepush.Presence;
import io.livepush.fixtures.PresenceNodes;
import io.livepush.fixtures.RedisCluster;
import io.livepush.sse.SseTransport;
import io.livepush.testing.Await;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Presence across three livepush nodes sharing one real {@code redis-server}: members on A and B are counted
 * on A, B and C; a node that stops (gracefully, or silently as if crashed) has its members dropped by the
 * others within a bounded time, and one of them announces their leave.
 */
class ClusterPresenceTest {
  private static final Duration INTERVAL = Duration.ofMillis(200);
  private static final Duration EXPIRY = Duration.ofSeconds(1);
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  @RegisterExtension final RedisCluster cluster = new RedisCluster();
  private final Map<LivePushServer, RedisBus> buses = new java.util.concurrent.ConcurrentHashMap<>();

  private LivePushServer node(String name) {
    RedisBus bus = RedisBus.builder().uri(cluster.busUri(name))
        .pollInterval(Duration.ofMillis(200)).presenceInterval(INTERVAL, EXPIRY).build();
    LivePushServer s = cluster.start(PresenceNodes.presence(LivePushServer.builder().ioThreads(1)
            .shutdownDrain(Duration.ZERO))
        .transport(SseTransport.builder().multiTopicPath("/events").build())
        .bus(bus));
    buses.put(s, bus);
    return s;
  }

  /** An SSE stream whose {@code data:} lines are queued; opened once the first bytes arrived. */
  private final class Stream implements AutoCloseable {
    final BlockingQueue<String> data = new LinkedBlockingQueue<>();
    final java.util.concurrent.CountDownLatch open = new java.util.concurrent.CountDownLatch(1);
    volatile InputStream body;

    Stream(LivePushServer node, String query) throws Exception {
      URI uri = URI.create("http://127.0.0.1:" + node.port() + "/events?" + query);
      HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri).GET().build(),
          HttpResponse.BodyHandlers.ofInputStream());
      assertThat(r.statusCode()).isEqualTo(200);
      body = r.body();
      Thread t = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
          String line;
          while ((line = in.readLine()) != null) {
            open.countDown();
            if (line.startsWith("data:")) {
              data.add(line.substring(5).trim());
            }
          }
        } catch (Exception e) {
          // closed
        }
      }, "sse-" + query);
      t.setDaemon(true);
      t.start();
      assertThat(open.await(10, TimeUnit.SECONDS)).as("stream opened").isTrue();
      cluster.closeAfter(this);
    }

    /** The next presence event for {@code member} of {@code type} ("join"/"leave" in the data is not typed). */
    JsonNode next(String member, String countField) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (true) {
        String d = data.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        assertThat(d).as("presence event for " + member).isNotNull();
        JsonNode n = JSON.readTree(d);
        if (n.path("member").asText().equals(member) && n.has(countField)) {
          return n;
        }
      }
    }

    @Override
    public void close() throws Exception {
      body.close();
    }
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    Await.until(what, Duration.ofSeconds(20), condition);
  }

  private static List<String> names(LivePushServer n) {
    return n.presence().members("room").stream().map(Presence.Member::name).toList();
  }

  private void awaitEverywhere(List<LivePushServer> on, List<String> members) throws InterruptedException {
    for (LivePushServer n : on) {
      await("members " + members + " on :" + n.port() + " (has " + names(n) + ")",
          () -> names(n).equals(members) && n.presence().count("room") == members.size());
    }
  }

  /** Members on A and B, watched from C: every node counts all of them; joins carry the cluster count. */
  private Stream joinAliceOnABobOnBCarolOnBoth(LivePushServer a, LivePushServer b, LivePushServer c)
      throws Exception {
    Stream watcher = new Stream(c, "topic=room~presence");
    new Stream(a, "topic=room&user=alice");
    assertThat(watcher.next("alice", "count").path("count").asInt()).isEqualTo(1);
    awaitEverywhere(List.of(a, b, c), List.of("alice"));
    new Stream(b, "topic=room&user=bob");
    assertThat(watcher.next("bob", "count").path("count").asInt()).as("bob's join counts alice on A").isEqualTo(2);
    awaitEverywhere(List.of(a, b, c), List.of("alice", "bob"));
    new Stream(a, "topic=room&user=carol");
    new Stream(b, "topic=room&user=carol");
    awaitEverywhere(List.of(a, b, c), List.of("alice", "bob", "carol"));
    await("carol's two connections seen from C", () -> c.presence().members("room").stream()
        .anyMatch(m -> m.name().equals("carol") && m.connections() == 2));
    assertThat(c.presence().members("room").get(0).metadata()).isEqualTo(Map.of("display", "ALICE"));
    return watcher;
  }

  @Test
  void membersOnTwoNodesAreCountedOnEveryNodeAndAStoppedNodesMembersLeave() throws Exception {
    LivePushServer a = node("a");
    LivePushServer b = node("b");
    LivePushServer c = node("c");
    Stream watcher = joinAliceOnABobOnBCarolOnBoth(a, b, c);
    watcher.data.clear();

    cluster.nodes().remove(a);
    a.close();
    // A departs explicitly; the others drop its members at their next exchange (awaited, bounded).
    awaitEverywhere(List.of(b, c), List.of("bob", "carol"));
    JsonNode leave = watcher.next("alice", "count");
    assertThat(leave.path("count").asInt()).as(leave.toString()).isEqualTo(2);
    assertThat(leave.path("metadata").path("display").asText()).isEqualTo("ALICE");
  }

  @Test
  void aSilentNodesMembersExpireAndOneSurvivorAnnouncesTheirLeave() throws Exception {
    LivePushServer a = node("a");
    LivePushServer b = node("b");
    LivePushServer c = node("c");
    Stream watcher = joinAliceOnABobOnBCarolOnBoth(a, b, c);
    watcher.data.clear();

    buses.get(a).pausePresence(); // A stays up but stops announcing, as if it had crashed or was cut off
    awaitEverywhere(List.of(b, c), List.of("bob", "carol")); // after the expiry (awaited, bounded)
    JsonNode leave = watcher.next("alice", "count");
    assertThat(leave.path("count").asInt()).as(leave.toString()).isEqualTo(2);
    // Exactly one survivor reaped A: no second leave for alice.
    Stream late = new Stream(b, "topic=room&user=dave");
    JsonNode dave = watcher.next("dave", "count");
    assertThat(dave.path("count").asInt()).isEqualTo(3);
    List<String> between = new ArrayList<>(watcher.data);
    assertThat(between).noneMatch(d -> d.contains("\"alice\""));
    late.close();
  }

  @Test
  void onlyPresenceTopicsAreCountedAcrossNodes() throws Exception {
    LivePushServer a = node("a");
    LivePushServer b = node("b");
    assertThat(a.presence().count("room")).isZero();
    new Stream(b, "topic=other&user=zed");
    new Stream(a, "topic=room&user=alice");
    awaitEverywhere(List.of(a, b), List.of("alice"));
    assertThat(b.presence().count("other")).isZero();
  }
}
