package io.livepush.kafka;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real Kafka broker for tests: one node in KRaft mode (broker and controller), from the {@code kafka_2.13}
 * jars on the test classpath, in a JVM of its own, on free loopback ports, with its data under
 * {@code target/kafka/}. Fails (never skips) when it cannot start. {@link #kill()} is a crash (SIGKILL);
 * {@link #startAgain()} restarts it on the same ports and data, as an operator's restart would.
 */
final class KafkaBrokerProcess implements AutoCloseable {
  /** Generous: on a busy two-core machine a broker JVM takes tens of seconds to start. */
  private static final long START_TIMEOUT_SECONDS = 180;
  private final Path dir;
  private final String clusterId = Uuid.randomUuid().toString();
  private int port;
  private int controllerPort;
  private Process process;

  private KafkaBrokerProcess(Path dir) {
    this.dir = dir;
  }

  private static KafkaBrokerProcess shared;

  /**
   * One broker for every test class of this JVM (a broker start is most of a Kafka test's time): started by the
   * first caller, killed and deleted when the JVM exits. Test classes give each test a topic of its own.
   */
  static synchronized KafkaBrokerProcess shared() throws Exception {
    if (shared == null) {
      KafkaBrokerProcess k = start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          k.close();
        } catch (Exception e) {
          // exiting: the broker process dies with its pipes at worst
        }
      }, "kafka-broker-stop"));
      shared = k;
    }
    return shared;
  }

  static KafkaBrokerProcess start() throws Exception {
    Path base = Path.of("target", "kafka");
    Files.createDirectories(base);
    KafkaBrokerProcess k = new KafkaBrokerProcess(Files.createTempDirectory(base.toAbsolutePath(), "broker-"));
    k.port = freePort();
    k.controllerPort = freePort();
    k.writeProperties();
    k.launch();
    return k;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private void writeProperties() throws IOException {
    String props = String.join("\n",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs=" + dir.resolve("data").toAbsolutePath(),
        "num.partitions=1",
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        // A killed bridging node's open transaction is aborted within a second of its timeout (default 10 s).
        "transaction.abort.timed.out.transaction.cleanup.interval.ms=1000",
        "") ;
    Files.writeString(dir.resolve("server.properties"), props);
  }

  private void launch() throws Exception {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", cp,
        KafkaBrokerMain.class.getName(), dir.resolve("server.properties").toAbsolutePath().toString(), clusterId));
    process = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile())).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000))) {
      while (true) {
        if (!process.isAlive()) {
          throw new AssertionError("the Kafka broker exited with " + process.exitValue() + ": " + logTail());
        }
        try {
          if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (Exception e) {
          // not up yet: the describe call itself paced this loop (it waits up to 2 s)
        }
        if (System.nanoTime() > deadline) {
          process.destroyForcibly();
          throw new AssertionError("the Kafka broker did not start within " + START_TIMEOUT_SECONDS + " s: "
              + logTail());
        }
      }
    }
  }

  private String logTail() {
    try {
      String log = Files.readString(dir.resolve("broker.log"));
      return log.substring(Math.max(0, log.length() - 4000));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** Kills the broker (SIGKILL: a crash) and waits until it is gone. */
  void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
      process = null;
    }
  }

  /** Stops the broker as an operator's restart does (SIGTERM: controlled shutdown) and waits until it is gone. */
  void stop() throws InterruptedException {
    if (process != null) {
      process.destroy();
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
      }
      process = null;
    }
  }

  /** Starts the broker again on the same ports and data. */
  void startAgain() throws Exception {
    launch();
  }

  @Override
  public void close() throws Exception {
    kill();
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }
}
