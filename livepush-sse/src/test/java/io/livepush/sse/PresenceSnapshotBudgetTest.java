package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.CloseReason;
import io.livepush.ConnectionInfo;
import io.livepush.ConnectionListener;
import io.livepush.LivePushServer;
import io.livepush.Presence;
import io.livepush.spi.ClusterPresence;
import io.livepush.spi.Session;
import io.livepush.testing.PacedSseReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Presence snapshots written after a subscribe count against the connection's outbound budget like events: a
 * client that subscribes to many crowded topics and never reads holds at most the budget plus one snapshot plus
 * one small frame, then is closed by the stall bound; a snapshot itself is bounded by {@code maxEventBytes}.
 * The members are other nodes' (handed in through {@link ClusterPresence#update}, as a bus would), so the test
 * needs no thousand connections.
 */
class PresenceSnapshotBudgetTest {
  static final int BUDGET = 64 * 1024;
  static final int TOPICS = 64;
  static final int MEMBERS = 50;
  static final int METADATA_BYTES = 2000;
  /** One snapshot: every member's name and metadata plus the envelope. */
  static final int SNAPSHOT_BYTES = MEMBERS * (METADATA_BYTES + 64) + 256;
  static final int SLACK = 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private LivePushServer server;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final BlockingQueue<Session> sessions = new LinkedBlockingQueue<>();
  private final Map<Long, CompletableFuture<CloseReason>> closes = new ConcurrentHashMap<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(int maxEventBytes) {
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .maxPendingOutboundBytes(BUDGET).maxEventBytes(maxEventBytes)
        .heartbeatInterval(Duration.ofSeconds(1)).heartbeatTimeout(Duration.ofSeconds(1))
        .presence(t -> t.startsWith("room")).presenceSnapshot(true)
        .connectionListener(new ConnectionListener() {
          @Override
          public void onOpen(ConnectionInfo c) {
            sessions.add((Session) c);
          }

          @Override
          public void onClose(ConnectionInfo c, CloseReason reason) {
            closes.computeIfAbsent(c.id(), k -> new CompletableFuture<>()).complete(reason);
          }
        })
        .transport(SseTransport.builder().multiTopicPath("/events").build())
        .build();
    server.start().join();
    List<ClusterPresence.Entry> others = new ArrayList<>();
    String metadata = "{\"bio\":\"" + "b".repeat(METADATA_BYTES) + "\"}";
    for (int t = 0; t < TOPICS; t++) {
      for (int m = 0; m < MEMBERS; m++) {
        others.add(new ClusterPresence.Entry("room" + t, "member" + m, 1, metadata));
      }
    }
    ((ClusterPresence) server.presence()).update(others, List.of());
    assertThat(server.presence().count("room0")).isEqualTo(MEMBERS);
  }

  private static String allRooms() {
    StringBuilder sb = new StringBuilder("/events?topic=");
    for (int t = 0; t < TOPICS; t++) {
      sb.append(t == 0 ? "" : ",").append("room").append(t);
    }
    return sb.toString();
  }

  @Test
  void snapshotsToAClientThatNeverReadsStayWithinTheBudget() throws Exception {
    start(1 << 20);
    // 64 snapshots of about 130 KB: 8 MB, more than the kernel's socket buffers (about 4 MB) take.
    PacedSseReader never = PacedSseReader.open(server.port(), "GET", allRooms(), new byte[0], 0);
    closeables.add(never);
    Session s = sessions.poll(10, TimeUnit.SECONDS);
    CloseReason reason = closes.computeIfAbsent(s.id(), k -> new CompletableFuture<>()).get(90, TimeUnit.SECONDS);
    assertThat(reason).isEqualTo(CloseReason.SLOW_CONSUMER);
    long peak = s.peakPendingOutboundBytes();
    System.out.printf("presence snapshots: peak pending %d bytes (budget %d, one snapshot about %d)%n", peak,
        BUDGET, SNAPSHOT_BYTES);
    assertThat(peak).isBetween((long) BUDGET / 2, (long) BUDGET + SNAPSHOT_BYTES + SLACK);
  }

  @Test
  void aReadingClientGetsEverySnapshotAfterItsMarker() throws Exception {
    start(1 << 20);
    PacedSseReader reader = PacedSseReader.open(server.port(), "GET", allRooms(), new byte[0], Long.MAX_VALUE);
    closeables.add(reader);
    Session s = sessions.poll(10, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (snapshots(reader).size() < TOPICS && System.nanoTime() < deadline && !reader.awaitEnd(0)) {
      TimeUnit.MILLISECONDS.sleep(20); // polls the reader's progress (a condition), bounded by the deadline
    }
    List<PacedSseReader.Received> got = snapshots(reader);
    assertThat(got).hasSize(TOPICS);
    for (int t = 0; t < TOPICS; t++) {
      JsonNode data = JSON.readTree(got.get(t).data());
      assertThat(data.get("topic").asText()).isEqualTo("room" + t);
      assertThat(data.get("count").asInt()).isEqualTo(MEMBERS + 1); // the other nodes' and this client
      assertThat(data.get("members")).hasSize(MEMBERS + 1);
      assertThat(data.has("truncated")).isFalse();
    }
    assertThat(s.peakPendingOutboundBytes()).isLessThanOrEqualTo(BUDGET + SNAPSHOT_BYTES + SLACK);
    assertThat(s.isClosed()).isFalse();
  }

  @Test
  void aSnapshotLargerThanAnEventIsCutAndSaysSo() throws Exception {
    start(16 * 1024);
    PacedSseReader reader = PacedSseReader.open(server.port(), "GET", "/events?topic=room7", new byte[0],
        Long.MAX_VALUE);
    closeables.add(reader);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (snapshots(reader).isEmpty() && System.nanoTime() < deadline && !reader.awaitEnd(0)) {
      TimeUnit.MILLISECONDS.sleep(20); // polls the reader's progress (a condition), bounded by the deadline
    }
    String data = snapshots(reader).get(0).data();
    JsonNode json = JSON.readTree(data);
    assertThat(json.get("truncated").asBoolean()).isTrue();
    assertThat(json.get("count").asInt()).isEqualTo(MEMBERS + 1);
    int listed = json.get("members").size();
    assertThat(listed).isBetween(1, MEMBERS - 1);
    List<String> names = new ArrayList<>();
    json.get("members").forEach(m -> names.add(m.get("name").asText()));
    assertThat(names).isSorted().contains("member0"); // name order: the first ones are listed
    assertThat(data.length()).isLessThan(16 * 1024 + METADATA_BYTES + 256);
  }

  private static List<PacedSseReader.Received> snapshots(PacedSseReader r) {
    return r.events().stream().filter(e -> Presence.SNAPSHOT_TYPE.equals(e.type())).toList();
  }
}
