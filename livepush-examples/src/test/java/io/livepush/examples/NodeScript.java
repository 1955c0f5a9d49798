package io.livepush.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Node scripts under {@code src/test/js} (playwright-core, {@code ws}, {@code eventsource}): installs
 * the committed lock file's packages with {@code npm ci} when one is missing, runs a script that prints one JSON
 * line, and returns it. {@code -Dlivepush.node} and {@code -Dlivepush.npm} name other executables.
 */
final class NodeScript {
  private static final Duration NPM_TIMEOUT = Duration.ofSeconds(300);
  /** Every package the scripts import: a {@code node_modules} without one of them is reinstalled. */
  private static final List<String> PACKAGES = List.of("playwright-core", "ws", "eventsource");

  private NodeScript() {}

  static Path moduleDir() {
    return Path.of(System.getProperty("basedir", "")).toAbsolutePath();
  }

  static Path jsDir() {
    return moduleDir().resolve("src/test/js");
  }

  static Path artifacts() throws IOException {
    return Files.createDirectories(moduleDir().resolve("target/browser-tests"));
  }

  static void ensureNodeModules() throws IOException, InterruptedException {
    Path jsDir = jsDir();
    if (PACKAGES.stream().allMatch(p -> Files.isDirectory(jsDir.resolve("node_modules").resolve(p)))) {
      return;
    }
    String hint = "browser tests need the npm packages: cd livepush-examples/src/test/js && npm ci "
        + "(or skip with -Dlivepush.browserTests=skip)";
    Path log = artifacts().resolve("npm-ci.log");
    Process npm;
    try {
      npm = new ProcessBuilder(System.getProperty("livepush.npm", "npm"), "ci", "--no-audit", "--no-fund")
          .directory(jsDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("npm not found; " + hint, e);
    }
    if (!npm.waitFor(NPM_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      npm.destroyForcibly();
      throw new IllegalStateException("npm ci timed out; " + hint);
    }
    if (npm.exitValue() != 0) {
      throw new IllegalStateException("npm ci failed (" + npm.exitValue() + "): " + read(log) + "\n" + hint);
    }
  }

  /**
   * Runs {@code node [nodeOptions] script args...} in {@code src/test/js}, waits up to {@code timeout}, and
   * returns the JSON line it printed; its stderr goes to {@code target/browser-tests/<name>.log} and is echoed.
   */
  static JsonNode run(ObjectMapper mapper, Duration timeout, List<String> nodeOptions, String script,
      String... args) throws IOException, InterruptedException {
    String name = script.replaceFirst("\\.mjs$", "");
    Path stdout = artifacts().resolve(name + "-output.json");
    Path stderr = artifacts().resolve(name + ".log");
    List<String> command = new ArrayList<>();
    command.add(System.getProperty("livepush.node", "node"));
    command.addAll(nodeOptions);
    command.add(script);
    command.addAll(List.of(args));
    Process node = new ProcessBuilder(command)
        .directory(jsDir().toFile())
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile())
        .start();
    if (!node.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      node.descendants().forEach(ProcessHandle::destroyForcibly);
      node.destroyForcibly();
      throw new AssertionError("node " + script + " did not finish within " + timeout + "; log:\n" + read(stderr));
    }
    String out = read(stdout).trim();
    if (out.isEmpty()) {
      throw new AssertionError("node " + script + " exited " + node.exitValue() + " without output; log:\n"
          + read(stderr));
    }
    // A scenario that crashed is reported by its own test; the log helps there.
    System.out.println(read(stderr));
    return mapper.readTree(out);
  }

  static String read(Path p) throws IOException {
    return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
  }
}
