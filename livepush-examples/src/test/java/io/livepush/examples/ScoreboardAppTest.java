package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.LivePushServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Starts the example's own wiring on port 0 and follows a match as a browser would. */
class ScoreboardAppTest {
  @Test
  void servesThePageAndStreamsScoreUpdates() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    MatchSimulator[] sim = new MatchSimulator[1];
    try (LivePushServer server = ScoreboardApp.server(0).host("127.0.0.1").objectMapper(mapper)
        .httpService(ScoreboardApp.pages(() -> sim[0].matches(), mapper)).build()) {
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

      HttpResponse<java.io.InputStream> stream = http.send(HttpRequest.newBuilder(
          URI.create(base + "/api/match/1/live")).build(), HttpResponse.BodyHandlers.ofInputStream());
      try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null && !line.startsWith("id: ")) {
          // skip retry:, wait for the anchor that says the subscription is live
        }
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
        assertThat(stats.body()).contains("\"connectionsByTransport\":{\"sse\":1,", "\"keep_latest\":0");
      }
    }
  }
}
