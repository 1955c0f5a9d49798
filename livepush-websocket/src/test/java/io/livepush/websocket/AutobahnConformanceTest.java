package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * RFC 6455 and RFC 7692 conformance: the Autobahn|Testsuite 0.8.2 fuzzing client ({@code src/test/autobahn},
 * CPython 2.7) against {@link AutobahnEchoServer}, livepush's own WebSocket pipeline with permessage-deflate on,
 * in this JVM (so paranoid leak detection and LeakGuard cover it too).
 *
 * <p>Configured by system properties that the module pom sets: {@code autobahn.runs} (case lists separated by
 * {@code ;}, each run by its own fuzzing-client process against an echo server of its own, in parallel),
 * {@code autobahn.exclude},
 * {@code autobahn.script}, {@code autobahn.jar} (the plugin jar whose Twisted the suite uses),
 * {@code autobahn.python}, {@code autobahn.reports} (output folder), {@code autobahn.timeoutMinutes},
 * {@code autobahn.nonStrict} (the cases allowed to be NON-STRICT, each explained in docs/protocol.md) and
 * {@code autobahn.skip}. Output goes to report files only: per run {@code run-N/summary.md},
 * {@code run-N/reports/index.html} and {@code run-N/wstest.log}, and {@code summary.md} for all runs.
 *
 * <p>Fails on any case FAILED or UNIMPLEMENTED, on a NON-STRICT case not listed, and on a run that did not
 * finish or ran no case. A case that FAILED on one of the client's time limits only (see {@link #failedOnTime})
 * runs once more after the parallel runs, with the others that did ({@code rerun-1/}), and must pass then;
 * {@code summary.md} lists both results. On a machine busy with other work a starved server misses limits of
 * one second (5.19, 5.20); a case that fails for any other reason is never run again.
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

    Fuzzing fuzzing = new Fuzzing(script, jar, python, timeoutMinutes);
    deleteRecursively(reports.resolve("rerun-1"));
    Map<String, JsonNode> cases = fuzzing.run(runs, exclude, reports, "run-");
    // Cases that failed only on time (a close handshake, a message or the case not within its limit) run once
    // more, together in one run on a fresh server once the parallel runs are done; they must pass then.
    List<String> onTime = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : cases.entrySet()) {
      if (e.getValue().get("behavior").asText().equals("FAILED") && failedOnTime(e.getValue())) {
        onTime.add(e.getKey());
      }
    }
    Map<String, JsonNode> rerun = onTime.isEmpty() ? Map.of()
        : fuzzing.run(List.of(String.join(",", onTime)), "", reports, "rerun-");

    StringBuilder summary = new StringBuilder("# Autobahn|Testsuite 0.8.2 against AutobahnEchoServer\n\n");
    Map<String, Integer> counts = new TreeMap<>();
    List<String> violations = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : cases.entrySet()) {
      String behavior = e.getValue().get("behavior").asText();
      counts.merge(behavior, 1, Integer::sum);
      JsonNode again = rerun.get(e.getKey());
      if (!passes(e.getKey(), behavior, nonStrictAllowed)) {
        if (again == null) {
          violations.add(e.getKey() + " " + behavior);
        } else if (!passes(e.getKey(), again.get("behavior").asText(), nonStrictAllowed)) {
          violations.add(e.getKey() + " " + behavior + ", rerun " + again.get("behavior").asText());
        }
      }
    }
    summary.append(cases.size()).append(" cases: ").append(counts).append("\n\n");
    if (!onTime.isEmpty()) {
      List<String> outcomes = new ArrayList<>();
      for (String id : onTime) {
        JsonNode again = rerun.get(id);
        outcomes.add(id + " " + cases.get(id).get("behavior").asText() + " then "
            + (again == null ? "not run" : again.get("behavior").asText()));
      }
      summary.append("Failed on a time limit, then run once more: ").append(String.join("; ", outcomes))
          .append("\n\n");
    }
    appendRunSummaries(summary, reports, "run-", runs);
    appendRunSummaries(summary, reports, "rerun-", onTime.isEmpty() ? List.of() : List.of(String.join(",", onTime)));
    Files.writeString(reports.resolve("summary.md"), summary, StandardCharsets.UTF_8);
    assertThat(violations).as("cases neither OK, INFORMATIONAL nor an allowed NON-STRICT %s; see %s",
        nonStrictAllowed, reports.resolve("summary.md").toAbsolutePath()).isEmpty();
  }

  private static boolean passes(String id, String behavior, Set<String> nonStrictAllowed) {
    return behavior.equals("OK") || behavior.equals("INFORMATIONAL")
        || (behavior.equals("NON-STRICT") && nonStrictAllowed.contains(id));
  }

  /**
   * Whether a case failed on a time limit of the client's: the closing or opening handshake not answered in
   * time, or an expected message or the whole case not within its limit. A server starved of CPU fails so;
   * wrong bytes, a wrong close code or a wrong event order are never taken for time.
   */
  static boolean failedOnTime(JsonNode report) {
    return report.path("wasCloseHandshakeTimeout").asBoolean() || report.path("wasOpenHandshakeTimeout").asBoolean()
        || report.path("wasServerConnectionDropTimeout").asBoolean()
        || TIME_LIMIT.matcher(report.path("result").asText("")).find();
  }

  /** The suite's results for a case it gave up waiting on: "Did not receive message within 10 seconds." */
  private static final Pattern TIME_LIMIT = Pattern.compile("\\bwithin \\d+ seconds\\b");

  private static void appendRunSummaries(StringBuilder summary, Path reports, String prefix, List<String> runs)
      throws IOException {
    for (int i = 0; i < runs.size(); i++) {
      Path runSummary = reports.resolve(prefix + (i + 1)).resolve("summary.md");
      summary.append("## ").append(prefix.equals("run-") ? "Run " : "Rerun ").append(i + 1).append(": ")
          .append(runs.get(i)).append("\n\n");
      if (Files.isRegularFile(runSummary)) {
        summary.append(Files.readString(runSummary, StandardCharsets.UTF_8)).append('\n');
      }
    }
  }

  /**
   * Runs of the fuzzing client, in parallel, each against an echo server of its own: a run's large messages
   * (group 9: up to 8 MiB, unmasked and validated on the event loop) then never hold up the loop that serves
   * another run's connection, whose cases have fixed one-second limits (5.19, 5.20: a pong and the close
   * handshake within a second).
   */
  private static final class Fuzzing {
    private final Path script;
    private final Path jar;
    private final Path python;
    private final long timeoutMinutes;

    Fuzzing(Path script, Path jar, Path python, long timeoutMinutes) {
      this.script = script;
      this.jar = jar;
      this.python = python;
      this.timeoutMinutes = timeoutMinutes;
    }

    /** Each case's report (the index entry with the case report's fields), by case id. */
    Map<String, JsonNode> run(List<String> runs, String exclude, Path reports, String prefix) throws Exception {
      Map<String, JsonNode> cases = new TreeMap<>(AutobahnConformanceTest::compareCaseIds);
      List<LivePushServer> servers = new ArrayList<>();
      List<Process> processes = new ArrayList<>();
      try {
        for (int i = 0; i < runs.size(); i++) {
          LivePushServer server = AutobahnEchoServer.start(0);
          servers.add(server);
          Path out = reports.resolve(prefix + (i + 1));
          deleteRecursively(out);
          Files.createDirectories(out);
          ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "ws://127.0.0.1:" + server.port() + "/",
              out.toString(), runs.get(i).replaceAll("\\s+", ""), exclude)
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
          Path out = reports.resolve(prefix + (i + 1));
          assertThat(done).as("%s%d (%s) finished within %d minutes; see %s", prefix, i + 1, runs.get(i),
              timeoutMinutes, out.resolve("wstest.log")).isTrue();
          Path index = out.resolve("reports/index.json");
          assertThat(index).as("%s%d wrote its report; see %s", prefix, i + 1, out.resolve("fuzzingclient.out"))
              .isRegularFile();
          int before = cases.size();
          for (Iterator<Map.Entry<String, JsonNode>> it = JSON.readTree(index.toFile()).get("livepush").fields();
              it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            ObjectNode report = (ObjectNode) e.getValue();
            Path file = out.resolve("reports").resolve(report.path("reportfile").asText());
            if (Files.isRegularFile(file)) {
              JsonNode detail = JSON.readTree(file.toFile());
              for (String field : List.of("result", "wasCloseHandshakeTimeout", "wasOpenHandshakeTimeout",
                  "wasServerConnectionDropTimeout")) {
                if (detail.has(field)) {
                  report.set(field, detail.get(field));
                }
              }
            }
            cases.put(e.getKey(), report);
          }
          assertThat(cases.size()).as("cases run by %s%d (%s)", prefix, i + 1, runs.get(i)).isGreaterThan(before);
        }
      } finally {
        for (Process p : processes) {
          p.destroyForcibly();
        }
        for (LivePushServer s : servers) {
          s.close();
        }
      }
      return cases;
    }
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
