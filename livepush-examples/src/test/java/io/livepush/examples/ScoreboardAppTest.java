package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.LivePushServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Starts the example's own wiring on port 0 and follows a match as a browser would. */
class ScoreboardAppTest {
  @Test
  void clusterOptionsComeFromTheCommandLine() {
    assertThat(ScoreboardApp.redisUrl(new String[] {"--port", "8081", "--redis", "redis://127.0.0.1:6379"}))
        .isEqualTo("redis://127.0.0.1:6379");
    assertThat(ScoreboardApp.kafkaBootstrap(new String[] {"--kafka", "127.0.0.1:9092", "--no-simulator"}))
        .isEqualTo("127.0.0.1:9092");
    assertThat(ScoreboardApp.simulator(new String[] {"--no-simulator"})).isFalse();
    assertThat(ScoreboardApp.tls(new String[] {"--port", "8443", "--tls"})).isTrue();
    assertThat(ScoreboardApp.port(new String[] {"--port", "8081"})).isEqualTo(8081);
    assertThat(ScoreboardApp.host(new String[] {"--host", "0.0.0.0"})).isEqualTo("0.0.0.0");
    assertThatThrownBy(() -> ScoreboardApp.port(new String[] {"--port", "80x"}))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("--port / PORT: 80x (expected: 0..65535)");
  }

  /** The README's promise: a taken port gives one line naming PORT / --port and a non-zero exit, no stack trace. */
  @Test
  void aTakenPortEndsTheAppWithOneLineAndStatus2() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), ScoreboardApp.class.getName(),
          "--port", String.valueOf(taken.getLocalPort()), "--no-simulator");
      pb.environment().keySet().removeAll(List.of("PORT", "HOST", "REDIS_URL", "KAFKA_BOOTSTRAP"));
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
      Process app = pb.start();
      String stderr = new String(app.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();

      assertThat(app.exitValue()).isEqualTo(2);
      assertThat(stderr).doesNotContain("\tat ").doesNotContain("Exception");
      assertThat(stderr.strip().lines().reduce((a, b) -> b).orElseThrow())
          .startsWith("livepush scoreboard: cannot listen on 127.0.0.1:" + taken.getLocalPort() + " (")
          .containsIgnoringCase("address already in use")
          .contains("PORT=N or --port N", "-Dexec.args=\"--port N\"");
    }
  }

  /**
   * {@code --tls}: the app prints an https URL and serves it over HTTP/2 (ALPN h2) with its self-signed
   * certificate; the client here accepts any certificate, as a developer clicking through the warning does.
   */
  @Test
  void withTlsTheAppPrintsAnHttpsUrlAndServesHttp2() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), ScoreboardApp.class.getName(),
        "--port", "0", "--tls", "--no-simulator");
    pb.environment().keySet().removeAll(List.of("PORT", "HOST", "REDIS_URL", "KAFKA_BOOTSTRAP", "TLS"));
    Path stderr = java.nio.file.Files.createTempFile("scoreboard-tls", ".log");
    pb.redirectError(stderr.toFile());
    Process app = pb.start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(app.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null && !line.startsWith("livepush scoreboard: open ")) {
        // logging before the URL line
      }
      assertThat(line).as("the app's URL line; stderr: %s", java.nio.file.Files.readString(stderr)).isNotNull()
          .contains("(HTTP/2 over TLS; self-signed certificate for localhost");
      java.util.regex.Matcher url = java.util.regex.Pattern.compile("open (https://localhost:\\d+/)").matcher(line);
      assertThat(url.find()).as(line).isTrue();
      javax.net.ssl.SSLContext trustAll = javax.net.ssl.SSLContext.getInstance("TLS");
      trustAll.init(null, new javax.net.ssl.TrustManager[] {new AnyCertificate()}, null);
      HttpClient https = HttpClient.newBuilder().sslContext(trustAll).build();
      HttpResponse<String> page = https.send(HttpRequest.newBuilder(URI.create(url.group(1))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(page.body()).contains("Live scores");
    } finally {
      app.destroy();
      assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
      java.nio.file.Files.delete(stderr);
    }
  }

  /** Accepts every certificate and host name: the test only checks what the app serves, not its certificate. */
  private static final class AnyCertificate extends javax.net.ssl.X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType,
        java.net.Socket socket) {}

    @Override
    public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType,
        java.net.Socket socket) {}

    @Override
    public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType,
        javax.net.ssl.SSLEngine engine) {}

    @Override
    public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType,
        javax.net.ssl.SSLEngine engine) {}

    @Override
    public java.security.cert.X509Certificate[] getAcceptedIssuers() {
      return new java.security.cert.X509Certificate[0];
    }
  }

  @Test
  void servesThePageAndStreamsScoreUpdates() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    MatchSimulator[] sim = new MatchSimulator[1];
    LivePushServer[] self = new LivePushServer[1];
    try (LivePushServer server = ScoreboardApp.server(0).host("127.0.0.1").objectMapper(mapper)
        .httpService(ScoreboardApp.pages(() -> sim[0].matches(), t -> self[0].presence().count(t), mapper))
        .build()) {
      self[0] = server;
      sim[0] = new MatchSimulator(server, 42);
      server.start().join();
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + server.port();
      HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("Live scores").contains("/app.js");
      HttpResponse<String> matches = http.send(HttpRequest.newBuilder(URI.create(base + "/api/matches")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(matches.body()).contains("\"id\":\"1\"").contains("\"home\":\"Lions\"");
      assertThat(viewers(http, base, mapper)).containsOnly(0);

      HttpResponse<java.io.InputStream> stream = http.send(HttpRequest.newBuilder(
          URI.create(base + "/api/match/1/live")).build(), HttpResponse.BodyHandlers.ofInputStream());
      // The JDK client upgraded its connection to h2c on the first request: the stream is an HTTP/2 stream.
      assertThat(stream.version()).isEqualTo(HttpClient.Version.HTTP_2);
      try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null && !line.startsWith("id: ")) {
          // skip retry:, wait for the anchor that says the subscription is live
        }
        // This stream is a member of match:1's presence; the other matches have no viewer.
        assertThat(viewers(http, base, mapper)).containsExactly(1, 0, 0);
        sim[0].tick();
        String event = null;
        while ((line = in.readLine()) != null) {
          if (line.equals("event: score-update")) {
            event = in.readLine();
            break;
          }
        }
        assertThat(event).startsWith("data: {\"id\":\"1\",\"home\":\"Lions\"").contains("\"minute\":");
        HttpResponse<String> stats = http.send(HttpRequest.newBuilder(URI.create(base + "/stats")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(stats.statusCode()).isEqualTo(200);
        assertThat(stats.body()).contains("\"connectionsByTransport\":{\"longpoll\":0,\"sse\":1,", "\"keep_latest\":0");
      }
    }
  }

  /** The {@code viewers} of each match in {@code /api/matches}, in list order. */
  private static List<Integer> viewers(HttpClient http, String base, ObjectMapper mapper) throws Exception {
    HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(base + "/api/matches")).build(),
        HttpResponse.BodyHandlers.ofString());
    List<Integer> out = new ArrayList<>();
    mapper.readTree(res.body()).forEach(m -> out.add(m.get("viewers").asInt(-1)));
    return out;
  }
}
