package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.LivePushServer;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * RFC 6455 and RFC 7692 conformance: the Autobahn|Testsuite 0.8.2 fuzzing client ({@code src/test/autobahn},
 * CPython 2.7) against {@link AutobahnEchoServer}, livepush's own WebSocket pipeline with permessage-deflate on,
 * in this JVM (so paranoid leak detection and LeakGuard cover it too).
 *
 * <p>Configured by system properties that the module pom sets: {@code autobahn.runs} (case lists separated by
 * {@code ;}, each run by its own fuzzing-client process, in parallel), {@code autobahn.exclude},
 * {@code autobahn.script}, {@code autobahn.jar} (the plugin jar whose Twisted the suite uses),
 * {@code autobahn.python}, {@code autobahn.reports} (output folder), {@code autobahn.timeoutMinutes},
 * {@code autobahn.nonStrict} (the cases allowed to be NON-STRICT, each explained in docs/protocol.md) and
 * {@code autobahn.skip}. Output goes to report files only: per run {@code run-N/summary.md},
 * {@code run-N/reports/index.html} and {@code run-N/wstest.log}, and {@code summary.md} for all runs.
 *
 * <p>Fails on any case FAILED or UNIMPLEMENTED, on a NON-STRICT case not listed, and on a run that did not
 * finish or ran no case.
 */
class AutobahnConformanceTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void fuzzingClientFindsNoViolation() throws Exception {
    assumeFalse(Boolean.getBoolean("autobahn.skip"), "autobahn.skip=true");
    List<String> runs = split(System.getProperty("autobahn.runs", "1.*"), ";");
    String exclude = System.getProperty("autobahn.exclude", "").replaceAll("\\s+", "");
    Path script = Paths.get(required("autobahn.script"));
    Path jar = Paths.get(required("autobahn.jar"));
    Path python = Paths.get(System.getProperty("autobahn.python",
        System.getProperty("user.home") + "/.pyenv/versions/2.7.18/bin/python2.7"));
    Path reports = Paths.get(System.getProperty("autobahn.reports", "target/autobahn-reports"));
    long timeoutMinutes = Long.getLong("autobahn.timeoutMinutes", 20);
    Set<String> nonStrictAllowed = Set.copyOf(split(System.getProperty("autobahn.nonStrict", ""), ","));
    assertThat(python).as("CPython 2.7 for the Autobahn testsuite (pyenv 2.7.18; set -Dautobahn.python=... or "
        + "skip with -Dautobahn.skip=true)").isExecutable();
    assertThat(jar).as("Autobahn plugin jar (copied by maven-dependency-plugin)").isRegularFile();

    Map<String, JsonNode> cases = new TreeMap<>(AutobahnConformanceTest::compareCaseIds);
    LivePushServer server = AutobahnEchoServer.start(0);
    List<Process> processes = new ArrayList<>();
    try {
      String url = "ws://127.0.0.1:" + server.port() + "/";
      for (int i = 0; i < runs.size(); i++) {
        Path out = reports.resolve("run-" + (i + 1));
        deleteRecursively(out);
        Files.createDirectories(out);
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), url, out.toString(),
            runs.get(i).replaceAll("\\s+", ""), exclude)
            .redirectErrorStream(true)
            .redirectOutput(out.resolve("fuzzingclient.out").toFile());
        pb.environment().put("PY2", python.toString());
        pb.environment().put("PLUGIN_JAR", jar.toString());
        processes.add(pb.start());
      }
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(timeoutMinutes);
      for (int i = 0; i < processes.size(); i++) {
        Process p = processes.get(i);
        boolean done = p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        Path out = reports.resolve("run-" + (i + 1));
        assertThat(done).as("run %d (%s) finished within %d minutes; see %s", i + 1, runs.get(i),
            timeoutMinutes, out.resolve("wstest.log")).isTrue();
        Path index = out.resolve("reports/index.json");
        assertThat(index).as("run %d wrote its report; see %s", i + 1, out.resolve("fuzzingclient.out"))
            .isRegularFile();
        int before = cases.size();
        for (Iterator<Map.Entry<String, JsonNode>> it = JSON.readTree(index.toFile()).get("livepush").fields();
            it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          cases.put(e.getKey(), e.getValue());
        }
        assertThat(cases.size()).as("cases run by run %d (%s)", i + 1, runs.get(i)).isGreaterThan(before);
      }
    } finally {
      for (Process p : processes) {
        p.destroyForcibly();
      }
      server.close();
    }

    StringBuilder summary = new StringBuilder("# Autobahn|Testsuite 0.8.2 against AutobahnEchoServer\n\n");
    Map<String, Integer> counts = new TreeMap<>();
    List<String> violations = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : cases.entrySet()) {
      String behavior = e.getValue().get("behavior").asText();
      counts.merge(behavior, 1, Integer::sum);
      boolean ok = behavior.equals("OK") || behavior.equals("INFORMATIONAL")
          || (behavior.equals("NON-STRICT") && nonStrictAllowed.contains(e.getKey()));
      if (!ok) {
        violations.add(e.getKey() + " " + behavior);
      }
    }
    summary.append(cases.size()).append(" cases: ").append(counts).append("\n\n");
    for (int i = 0; i < runs.size(); i++) {
      Path runSummary = reports.resolve("run-" + (i + 1)).resolve("summary.md");
      summary.append("## Run ").append(i + 1).append(": ").append(runs.get(i)).append("\n\n");
      if (Files.isRegularFile(runSummary)) {
        summary.append(Files.readString(runSummary, StandardCharsets.UTF_8)).append('\n');
      }
    }
    Files.writeString(reports.resolve("summary.md"), summary, StandardCharsets.UTF_8);
    assertThat(violations).as("cases neither OK, INFORMATIONAL nor an allowed NON-STRICT %s; see %s",
        nonStrictAllowed, reports.resolve("summary.md").toAbsolutePath()).isEmpty();
  }

  private static String required(String name) {
    String v = System.getProperty(name);
    assertThat(v).as("system property %s (set by the module pom)", name).isNotBlank();
    return v;
  }

  private static List<String> split(String s, String separator) {
    List<String> out = new ArrayList<>();
    for (String part : s.split(separator)) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }

  /** Case ids compared as version numbers: 9.10 after 9.9. */
  private static int compareCaseIds(String a, String b) {
    int[] x = Arrays.stream(a.split("\\.")).mapToInt(Integer::parseInt).toArray();
    int[] y = Arrays.stream(b.split("\\.")).mapToInt(Integer::parseInt).toArray();
    return Arrays.compare(x, y);
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).map(Path::toFile).forEach(File::delete);
    }
  }
}
