package io.livepush.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway one-node Kafka broker for a test: {@link KafkaBrokerLauncher} (what {@code run.sh} starts) in a JVM
 * of its own on free loopback ports, data under {@code dir}. {@link #start} returns once the broker is started
 * (bounded; fails with the log's tail otherwise); {@link #close} kills it.
 */
final class TestBroker implements AutoCloseable {
  /** On a busy two-core machine a broker JVM takes tens of seconds to start. */
  private static final long START_TIMEOUT_SECONDS = 180;
  private final Process process;
  private final Path log;
  private final int port;

  private TestBroker(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  static TestBroker start(Path dir) throws Exception {
    Files.createDirectories(dir);
    int port = freePort();
    int controller = freePort();
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path log = dir.resolve("broker.log");
    Process p = new ProcessBuilder(List.of(java, "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-cp", cp, KafkaBrokerLauncher.class.getName(), dir.resolve("broker").toString(),
        Integer.toString(port), Integer.toString(controller)))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    TestBroker broker = new TestBroker(p, log, port);
    try {
      broker.awaitUp();
      return broker;
    } catch (Throwable t) {
      broker.close();
      throw t;
    }
  }

  /** Up when the broker logs what {@code run.sh} awaits too ({@code Kafka Server started}), as a listener. */
  private void awaitUp() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
    while (!Files.readString(log).contains("Kafka Server started")) {
      if (!process.isAlive()) {
        throw new AssertionError("the Kafka broker exited with " + process.exitValue() + ": " + logTail());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the Kafka broker did not start within " + START_TIMEOUT_SECONDS + " s: "
            + logTail());
      }
      Thread.sleep(100); // polling the awaited condition (the log line), bounded by the deadline above
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private String logTail() {
    try {
      String text = Files.readString(log);
      return text.substring(Math.max(0, text.length() - 4000));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }
}
