package io.livepush.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.LivePushServer;
import io.livepush.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The multi-generator steps end to end on real sockets, as {@code run.sh cluster} calls them: two bench servers
 * ({@link BenchServer#start}, with its control endpoints), three generators ({@code cluster-gen}) sharing them, the
 * publish schedule ({@code cluster-publish}) and the merge ({@code cluster-merge}), whose run row must count every
 * subscriber's every event once. Without a bus each server publishes only to its own subscribers; through a real
 * Kafka broker ({@code CLUSTER_BUS=kafka}) one node's publishes reach the other node's subscribers.
 */
class ClusterRunTest {
  private static final int CONNS = 41;
  private static final int EVENTS = 6;

  private static LivePushServer server(String... busArgs) throws Exception {
    String[] args = Stream.concat(Stream.of("--port", "0", "--io-threads", "1"), Arrays.stream(busArgs))
        .toArray(String[]::new);
    return BenchServer.start(new Options(args, 0), new BenchServer.Control());
  }

  @Test
  void generatorsPublishAndMergeCountEveryEventOnce(@TempDir Path dir) throws Exception {
    try (LivePushServer a = server(); LivePushServer b = server()) {
      String pid = Long.toString(ProcessHandle.current().pid());
      List<String> lines = run(dir, a, b, "none", "-1", nodes -> {
        // Without a bus each server reaches only its own subscribers, so both publish the whole schedule.
        for (String node : nodes.split(",")) {
          ClusterRun.publish(new Options(new String[] {"--nodes", node, "--pids", pid, "--conns", "0", "--rate",
              "50", "--events", Integer.toString(EVENTS), "--mode", "one", "--dir", dir.toString()}, 0));
        }
      });
      assertThat(cell(lines, "bus CPU s")).isEqualTo("n/a");
    }
  }

  /**
   * The Kafka variant's wiring: nodes started by {@link BenchServer#start} with {@code --kafka} on one fresh topic
   * of a throwaway broker ({@link KafkaBrokerLauncher}, as {@code run.sh} starts it), node A publishing the whole
   * schedule: B's subscribers get every event only through Kafka. One publisher, so the Kafka log's order is the
   * schedule's whatever the machine's speed (two publishers 20 ms apart could interleave on a loaded machine; the
   * real run publishes from every node 2 s apart).
   */
  @Test
  void throughKafkaEverySubscriberOfEitherNodeGetsEveryEventOnceInOrder(@TempDir Path dir) throws Exception {
    try (TestBroker broker = TestBroker.start(dir.resolve("kafka"))) {
      String topic = "cluster-test-" + System.nanoTime();
      String[] bus = {"--kafka", broker.bootstrapServers(), "--kafka-topic", topic};
      try (LivePushServer a = server(bus); LivePushServer b = server(bus)) {
        String pid = Long.toString(ProcessHandle.current().pid());
        String busPid = Long.toString(broker.pid());
        List<String> lines = run(dir, a, b, "kafka", busPid, nodes ->
            ClusterRun.publish(new Options(new String[] {"--nodes", nodes, "--pids", pid + "," + pid, "--bus-pid",
                busPid, "--conns", Integer.toString(CONNS), "--rate", "50", "--events", Integer.toString(EVENTS),
                "--mode", "one", "--dir", dir.toString()}, 0)));
        assertThat(cell(lines, "bus")).isEqualTo("kafka");
        assertThat(cell(lines, "reordered")).isEqualTo("0");
        assertThat(cell(lines, "bus CPU s")).as("the broker's CPU is read").matches("[0-9.]+");
      }
    }
  }

  interface Publish {
    void start(String nodes) throws Exception;
  }

  /**
   * Three generators on servers {@code a} and {@code b}, {@code publish}, then the merge; asserts the counts that
   * hold for every bus and returns the results file's lines.
   */
  private static List<String> run(Path dir, LivePushServer a, LivePushServer b, String bus, String busPid,
      Publish publish) throws Exception {
    String nodes = "127.0.0.1:" + a.port() + ",127.0.0.1:" + b.port();
    String pid = Long.toString(ProcessHandle.current().pid());
    List<CompletableFuture<Void>> gens = new ArrayList<>();
    for (int g = 0; g < 3; g++) {
      String[] args = {"cluster-gen", "--nodes", nodes, "--conns", Integer.toString(CONNS), "--gens", "3", "--gen",
          Integer.toString(g), "--transport", "mix", "--events", Integer.toString(EVENTS), "--warmup-events", "1",
          "--rate", "50", "--dir", dir.toString(), "--src", "127.0.0.4"};
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
    assertThat(a.connectionCount() + b.connectionCount()).isEqualTo(CONNS);
    publish.start(nodes);
    Await.until("three results", Duration.ofSeconds(30), () -> Files.exists(dir.resolve("gen-0.result"))
        && Files.exists(dir.resolve("gen-1.result")) && Files.exists(dir.resolve("gen-2.result")));
    Path results = dir.resolve("results.tsv");
    ClusterRun.merge(new Options(new String[] {"--dir", dir.toString(), "--nodes", nodes, "--pids", pid + "," + pid,
        "--bus", bus, "--bus-pid", busPid, "--gens", "3", "--conns", Integer.toString(CONNS), "--label", "t",
        "--results", results.toString()}, 0));
    CompletableFuture.allOf(gens.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS); // released
    List<String> lines = Files.readAllLines(results);
    assertThat(cell(lines, "established")).isEqualTo(Integer.toString(CONNS));
    assertThat(cell(lines, "deliveries expected")).isEqualTo(Integer.toString(CONNS * EVENTS));
    assertThat(cell(lines, "delivered")).isEqualTo(Integer.toString(CONNS * EVENTS));
    assertThat(cell(lines, "lost")).isEqualTo("0");
    assertThat(cell(lines, "duplicated")).isEqualTo("0");
    assertThat(cell(lines, "complete conns")).isEqualTo(Integer.toString(CONNS));
    assertThat(cell(lines, "gens")).isEqualTo("3/3");
    assertThat(lines).filteredOn(l -> l.startsWith("cluster-node\t")).hasSize(2 + 1); // a header and two nodes
    assertThat(dir.resolve("t.hist")).exists();
    assertThat(HistogramText.decode(Files.readString(dir.resolve("t.hist"))).getTotalCount())
        .as("events 2..6 measured").isEqualTo(CONNS * (EVENTS - 1));
    return lines;
  }

  /** The run row's cell under {@code column} (the results file: a header line, then the run row). */
  private static String cell(List<String> lines, String column) {
    List<String> head = Arrays.asList(lines.get(0).split("\t"));
    assertThat(head).contains(column);
    return lines.get(1).split("\t")[head.indexOf(column)];
  }
}
