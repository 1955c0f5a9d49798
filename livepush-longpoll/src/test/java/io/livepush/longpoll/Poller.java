package io.livepush.longpoll;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A long-poll client on the JDK's {@code java.net.http}, as a test sees it. */
final class Poller {
  static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final int port;
  private final String path;

  Poller(int port, String path) {
    this.port = port;
    this.path = path;
  }

  /** One answer: its status, entries and position ({@code null} unless 200). */
  record Answer(int status, HttpResponse<String> response, List<JsonNode> events, String position) {
    List<String> ids() {
      List<String> out = new ArrayList<>();
      for (JsonNode e : events) {
        out.add(e.path("id").asText(null));
      }
      return out;
    }
  }

  URI uri(String from, String... topics) {
    StringBuilder q = new StringBuilder(path).append('?');
    for (String t : topics) {
      q.append("topic=").append(URLEncoder.encode(t, StandardCharsets.UTF_8)).append('&');
    }
    if (from != null) {
      q.append("lastEventId=").append(from);
    }
    return URI.create("http://127.0.0.1:" + port + q);
  }

  CompletableFuture<Answer> pollAsync(String from, String... topics) {
    // Past the longest hold: the server answers first (an event, its timeout, shutdown); the test bounds its wait.
    return send(HttpRequest.newBuilder(uri(from, topics))
        .timeout(LongPollIntegrationTest.LONGEST_HOLD.plusMinutes(1)).GET().build());
  }

  Answer poll(String from, String... topics) throws Exception {
    return pollAsync(from, topics).get();
  }

  CompletableFuture<Answer> send(HttpRequest request) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(Poller::parse);
  }

  private static Answer parse(HttpResponse<String> r) {
    if (r.statusCode() != 200) {
      return new Answer(r.statusCode(), r, List.of(), null);
    }
    try {
      JsonNode body = JSON.readTree(r.body());
      List<JsonNode> events = new ArrayList<>();
      body.get("events").forEach(events::add);
      return new Answer(200, r, events, body.get("position").asText());
    } catch (Exception e) {
      throw new IllegalStateException("not a batch: " + r.body(), e);
    }
  }
}
