package io.livepush.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.LivePushServer;
import io.livepush.sse.SseTransport;
import io.livepush.testing.Await;
import io.livepush.websocket.WebSocketTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The multi-generator steps end to end on real sockets, as {@code run.sh cluster} calls them: two bench servers
 * (the control endpoints of {@link BenchServer}), three generators ({@code cluster-gen}) sharing them, the shared
 * publish schedule from both servers ({@code cluster-publish}), and the merge ({@code cluster-merge}), whose run row
 * must count every subscriber's every event once. No Redis: each server publishes only to its own subscribers, so
 * the schedule is split by the generators' targets instead (each server publishes every event, stride 1).
 */
class ClusterRunTest {
  private static LivePushServer server() {
    BenchServer.Control control = new BenchServer.Control();
    LivePushServer s = LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(1)
        .transport(SseTransport.builder().multiTopicPath("/events").build())
        .transport(WebSocketTransport.builder().build())
        .httpService(control::handle).build();
    control.server = s;
    s.start().join();
    return s;
  }

  @Test
  void generatorsPublishAndMergeCountEveryEventOnce(@TempDir Path dir) throws Exception {
    try (LivePushServer a = server(); LivePushServer b = server()) {
      String nodes = "127.0.0.1:" + a.port() + ",127.0.0.1:" + b.port();
      String pid = Long.toString(ProcessHandle.current().pid());
      List<CompletableFuture<Void>> gens = new ArrayList<>();
      for (int g = 0; g < 3; g++) {
        String[] args = {"cluster-gen", "--nodes", nodes, "--conns", "41", "--gens", "3", "--gen", Integer.toString(g),
            "--transport", "mix", "--events", "6", "--warmup-events", "1", "--rate", "50", "--dir", dir.toString(),
            "--src", "127.0.0.4"};
        gens.add(CompletableFuture.runAsync(() -> {
          try {
            ClusterGen.main(new Options(args, 1));
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }));
      }
      Await.until("three ready files", Duration.ofSeconds(30),
          () -> Files.exists(dir.resolve("gen-0.ready")) && Files.exists(dir.resolve("gen-1.ready"))
              && Files.exists(dir.resolve("gen-2.ready")));
      assertThat(a.connectionCount() + b.connectionCount()).isEqualTo(41);
      // Without a bus each server reaches only its own subscribers, so both publish the whole schedule.
      for (String node : nodes.split(",")) {
        ClusterRun.publish(new Options(new String[] {"--nodes", node, "--pids", pid, "--conns", "0", "--rate", "50",
            "--events", "6", "--mode", "one", "--dir", dir.toString()}, 0));
      }
      Await.until("three results", Duration.ofSeconds(30), () -> Files.exists(dir.resolve("gen-0.result"))
          && Files.exists(dir.resolve("gen-1.result")) && Files.exists(dir.resolve("gen-2.result")));
      Path results = dir.resolve("results.tsv");
      ClusterRun.merge(new Options(new String[] {"--dir", dir.toString(), "--nodes", nodes, "--pids", pid + "," + pid,
          "--gens", "3", "--conns", "41", "--label", "t", "--results", results.toString()}, 0));
      CompletableFuture.allOf(gens.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS); // released
      List<String> lines = Files.readAllLines(results);
      List<String> head = Arrays.asList(lines.get(0).split("\t"));
      List<String> run = Arrays.asList(lines.get(1).split("\t"));
      assertThat(run.get(head.indexOf("established"))).isEqualTo("41");
      assertThat(run.get(head.indexOf("deliveries expected"))).isEqualTo("246");
      assertThat(run.get(head.indexOf("delivered"))).isEqualTo("246");
      assertThat(run.get(head.indexOf("lost"))).isEqualTo("0");
      assertThat(run.get(head.indexOf("duplicated"))).isEqualTo("0");
      assertThat(run.get(head.indexOf("complete conns"))).isEqualTo("41");
      assertThat(run.get(head.indexOf("gens"))).isEqualTo("3/3");
      assertThat(lines).filteredOn(l -> l.startsWith("cluster-node\t")).hasSize(2 + 1); // a header and two nodes
      assertThat(dir.resolve("t.hist")).exists();
      assertThat(HistogramText.decode(Files.readString(dir.resolve("t.hist"))).getTotalCount())
          .as("events 2..6 measured").isEqualTo(41 * 5);
    }
  }
}
