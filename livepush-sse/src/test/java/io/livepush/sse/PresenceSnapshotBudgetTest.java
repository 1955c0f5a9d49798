package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.CloseReason;
import io.livepush.LivePushServer;
import io.livepush.Presence;
import io.livepush.fixtures.Budget;
import io.livepush.fixtures.LiveServer;
import io.livepush.spi.ClusterPresence;
import io.livepush.spi.Session;
import io.livepush.testing.PacedSseReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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

  @RegisterExtension final LiveServer fixture = new LiveServer();
  private LivePushServer server;

  private void start(int maxEventBytes) {
    server = fixture.start(LiveServer.withBudget(LivePushServer.builder(), BUDGET).maxEventBytes(maxEventBytes)
        .presence(t -> t.startsWith("room")).presenceSnapshot(true)
        .transport(SseTransport.builder().multiTopicPath("/events").build()));
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
    return "/events?topic=" + String.join(",", Budget.topics("room", TOPICS));
  }

  private PacedSseReader open(String path, long bytesPerSecond) throws Exception {
    return fixture.closeAfter(PacedSseReader.open(server.port(), "GET", path, new byte[0], bytesPerSecond));
  }

  @Test
  void snapshotsToAClientThatNeverReadsStayWithinTheBudget() throws Exception {
    start(1 << 20);
    // 64 snapshots of about 130 KB: 8 MB, more than the kernel's socket buffers (about 4 MB) take.
    open(allRooms(), 0);
    Session s = fixture.nextSession();
    assertThat(fixture.closeOf(s.id()).get(90, TimeUnit.SECONDS)).isEqualTo(CloseReason.SLOW_CONSUMER);
    Budget.assertFilledAndBounded("presence snapshots (one about " + SNAPSHOT_BYTES + " bytes)", s, BUDGET,
        SNAPSHOT_BYTES + SLACK);
  }

  @Test
  void aReadingClientGetsEverySnapshotAfterItsMarker() throws Exception {
    start(1 << 20);
    PacedSseReader reader = open(allRooms(), Long.MAX_VALUE);
    Session s = fixture.nextSession();
    List<PacedSseReader.Received> got = snapshots(reader.awaitEvents(e -> snapshots(e).size() >= TOPICS, 60));
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
    PacedSseReader reader = open("/events?topic=room7", Long.MAX_VALUE);
    List<PacedSseReader.Received> got = snapshots(reader.awaitEvents(e -> !snapshots(e).isEmpty(), 30));
    assertThat(got).isNotEmpty();
    String data = got.get(0).data();
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

  private static List<PacedSseReader.Received> snapshots(List<PacedSseReader.Received> events) {
    return events.stream().filter(e -> Presence.SNAPSHOT_TYPE.equals(e.type())).toList();
  }
}
