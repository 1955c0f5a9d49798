package io.livepush.js;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.ClientScripts;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.sse.SseTransport;
import io.livepush.websocket.WebSocketTransport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The npm package {@code @livepush/client} as a user gets it: {@code npm pack} of the package folder, the tarball
 * installed into a separate project, type-checked there with TypeScript under bundler and Node module resolution,
 * and imported by its package name from Node, whose clients then talk to a real server. Needs Node 20+ and npm; the
 * consumer project's one dependency (TypeScript, pinned by its lock file) comes from the registry the first time and
 * from npm's cache afterwards.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NpmPackageTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration NPM_TIMEOUT = Duration.ofMinutes(5);
  private static final Path PACKAGE = Path.of(System.getProperty("livepush.js.dir", ".")).toAbsolutePath();
  private static final Path WORK = PACKAGE.resolve("target/npm-test");
  private static final Path CONSUMER = WORK.resolve("consumer");

  /** What the tarball holds: the two modules, their declarations, the manifest and the README. */
  private static final List<String> PACKED = List.of("README.md", "livepush-sse.d.ts", "livepush-sse.js",
      "livepush.d.ts", "livepush.js", "package.json");

  private static JsonNode manifest;
  private static Path tarball;

  @BeforeAll
  static void packAndInstall() throws Exception {
    manifest = JSON.readTree(PACKAGE.resolve("package.json").toFile());
    deleteRecursively(WORK);
    Files.createDirectories(CONSUMER);
    JsonNode pack = JSON.readTree(run(PACKAGE, "npm-pack", "npm", "pack", "--json", "--pack-destination",
        WORK.toString())).get(0);
    tarball = WORK.resolve(pack.get("filename").asText());
    List<String> files = new ArrayList<>();
    pack.get("files").forEach(f -> files.add(f.get("path").asText()));
    System.out.printf("npm pack: %s, %d bytes (%d unpacked), %s%n", tarball.getFileName(), pack.get("size").asLong(),
        pack.get("unpackedSize").asLong(), files);
    assertThat(files).containsExactlyInAnyOrderElementsOf(PACKED);

    try (Stream<Path> sources = Files.list(PACKAGE.resolve("src/test/js"))) {
      for (Path p : (Iterable<Path>) sources.filter(Files::isRegularFile)::iterator) {
        Files.copy(p, CONSUMER.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    run(CONSUMER, "npm-ci", "npm", "ci", "--no-audit", "--no-fund", "--prefer-offline");
    // The tarball has no dependencies: nothing to fetch.
    run(CONSUMER, "npm-install", "npm", "install", "--no-save", "--no-audit", "--no-fund", "--offline",
        tarball.toString());
  }

  @AfterAll
  static void cleanUp() throws IOException {
    deleteRecursively(CONSUMER.resolve("node_modules"));
  }

  @Test
  @Order(1)
  void manifestIsAnEsModulePackageInStepWithTheMavenVersionAndUrl() {
    assertThat(manifest.get("name").asText()).isEqualTo("@livepush/client");
    assertThat(manifest.get("version").asText()).isEqualTo(System.getProperty("livepush.version"));
    assertThat(manifest.get("type").asText()).isEqualTo("module");
    assertThat(manifest.get("license").asText()).isEqualTo("Apache-2.0");
    assertThat(manifest.get("types").asText()).isEqualTo("./livepush.d.ts");
    assertThat(manifest.get("exports").get(".").get("types").asText()).isEqualTo("./livepush.d.ts");
    assertThat(manifest.get("exports").get(".").get("default").asText()).isEqualTo("./livepush.js");
    assertThat(manifest.get("exports").get("./sse").get("types").asText()).isEqualTo("./livepush-sse.d.ts");
    assertThat(manifest.get("exports").get("./sse").get("default").asText()).isEqualTo("./livepush-sse.js");
    String url = System.getProperty("livepush.url");
    assertThat(manifest.get("repository").get("url").asText()).isEqualTo("git+" + url + ".git");
    assertThat(manifest.get("homepage").asText()).startsWith(url + "/");
    assertThat(manifest.get("bugs").asText()).isEqualTo(url + "/issues");
    assertThat(tarball.getFileName().toString()).isEqualTo("livepush-client-" + manifest.get("version").asText()
        + ".tgz");
  }

  @Test
  @Order(2)
  void declarationsTypeCheckUnderBundlerAndNodeResolution() throws Exception {
    // consumer.ts uses the API as documented and expects errors for misuse and for a file that is not exported.
    Path tsc = CONSUMER.resolve("node_modules/typescript/bin/tsc");
    run(CONSUMER, "tsc-bundler", node(), tsc.toString(), "-p", "tsconfig.bundler.json");
    run(CONSUMER, "tsc-node", node(), tsc.toString(), "-p", "tsconfig.node.json");
  }

  @Test
  @Order(3)
  void nodeImportsThePackageByNameAndItsClientsTalkToARealServer() throws Exception {
    LivePushServer server = LivePushServer.builder().host("127.0.0.1").port(0)
        .transport(SseTransport.builder().route("/live/{topic}", "{topic}").build())
        .transport(WebSocketTransport.builder().build())
        .httpService(ClientScripts.service(ClientScripts.DEFAULT_PREFIX, "https://app.example"))
        .build();
    server.start().get(10, TimeUnit.SECONDS);
    try {
      EventId id = server.publish("match:7", Event.json(Map.of("home", 1)).withType("goal"));
      List<String> command = new ArrayList<>(List.of(node()));
      if (!"function".equals(run(CONSUMER, "node-probe", node(), "-p", "typeof WebSocket").trim())) {
        command.add("--experimental-websocket"); // Node 20 and 21: WebSocket behind a flag
      }
      command.addAll(List.of("consumer.mjs", "http://127.0.0.1:" + server.port(), "match:7"));
      JsonNode out = JSON.readTree(run(CONSUMER, "consumer", command.toArray(String[]::new)));

      assertThat(out.get("protocol").asText()).isEqualTo("livepush.v1");
      assertThat(out.get("version").asText()).isEqualTo(System.getProperty("livepush.version"));
      assertThat(JSON.convertValue(out.get("exports"), List.class)).containsExactly("LivePushClient", "PROTOCOL");
      assertThat(JSON.convertValue(out.get("sseExports"), List.class))
          .containsExactly("fetchEventStream", "openEventStream");
      assertThat(out.get("deepImport").asText()).isEqualTo("ERR_PACKAGE_PATH_NOT_EXPORTED");

      JsonNode ws = out.get("ws");
      assertThat(ws.get("topic").asText()).isEqualTo("match:7");
      assertThat(ws.get("id").asText()).isEqualTo(id.toString());
      assertThat(ws.get("event").asText()).isEqualTo("goal");
      assertThat(ws.get("data").get("home").asInt()).isEqualTo(1);

      JsonNode sse = out.get("sse");
      assertThat(sse.get("type").asText()).isEqualTo("goal");
      assertThat(sse.get("id").asText()).isEqualTo(id.toString());
      assertThat(sse.get("data").asText()).isEqualTo("{\"home\":1}");

      assertThat(out.get("servedSame").asBoolean()).as("the server serves the package's file").isTrue();
      assertThat(out.get("servedCors").asText()).isEqualTo("https://app.example");
    } finally {
      server.close();
    }
  }

  private static String node() {
    return System.getProperty("livepush.node", "node");
  }

  /** Runs a command in {@code dir}; returns its stdout, fails with its output on a non-zero exit or a timeout. */
  private static String run(Path dir, String name, String... command) throws IOException, InterruptedException {
    Path stdout = WORK.resolve(name + ".out");
    Path stderr = WORK.resolve(name + ".log");
    Process p = new ProcessBuilder(command).directory(dir.toFile())
        .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    if (!p.waitFor(NPM_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish within " + NPM_TIMEOUT);
    }
    String out = Files.readString(stdout, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " exited " + p.exitValue() + ":\n" + out
          + Files.readString(stderr, StandardCharsets.UTF_8));
    }
    return out;
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : (Iterable<Path>) all.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
