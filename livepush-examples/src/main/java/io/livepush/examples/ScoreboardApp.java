package io.livepush.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.LivePushServer;
import io.livepush.sse.SseTransport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The live scoreboard: simulated matches publish {@code score-update} and {@code match-end} events to
 * {@code match:<id>}; browsers follow {@code GET /api/match/{id}/live} with EventSource. The page is served at
 * {@code /}.
 *
 * <p>Run: {@code ./mvnw -q -pl livepush-examples -am package -DskipTests exec:java}; port 8080, or the
 * {@code PORT} environment variable, or {@code --port N}.
 */
public final class ScoreboardApp {
  private ScoreboardApp() {}

  /** Builds (not starts) the example server on {@code port}; shared with the example's tests. */
  public static LivePushServer.Builder server(int port) {
    return LivePushServer.builder()
        .port(port)
        // A score is a snapshot: a client that falls behind only needs the newest one per match.
        .slowConsumerPolicy(io.livepush.SlowConsumerPolicy.KEEP_LATEST)
        .statsService("/stats") // counters as JSON; expose only internally in production
        .transport(SseTransport.builder()
            .route("/api/match/{id}/live", "match:{id}")
            .multiTopicPath("/api/live")
            .build());
  }

  /** Serves the page and the match list. */
  public static HttpService pages(Supplier<List<MatchSimulator.Score>> matches, ObjectMapper mapper) {
    Map<String, HttpReply> files = Map.of(
        "/", resource("index.html", "text/html; charset=utf-8"),
        "/app.js", resource("app.js", "text/javascript; charset=utf-8"),
        "/style.css", resource("style.css", "text/css; charset=utf-8"));
    return (request, body) -> {
      if (!request.method().equals("GET")) {
        return null;
      }
      if (request.path().equals("/api/matches")) {
        try {
          return HttpReply.json(200, mapper.writeValueAsString(matches.get()))
              .withHeader("Cache-Control", "no-store");
        } catch (JsonProcessingException e) {
          throw new IllegalStateException(e);
        }
      }
      return files.get(request.path());
    };
  }

  private static HttpReply resource(String name, String contentType) {
    try (InputStream in = ScoreboardApp.class.getResourceAsStream("/scoreboard/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource /scoreboard/" + name);
      }
      return HttpReply.of(200, contentType, in.readAllBytes()).withHeader("Cache-Control", "no-cache");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int port(String[] args) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--port")) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    String env = System.getenv("PORT");
    return env != null && !env.isBlank() ? Integer.parseInt(env.trim()) : 8080;
  }

  public static void main(String[] args) {
    ObjectMapper mapper = new ObjectMapper();
    // The simulator needs the server to publish and the page service needs the simulator: a holder breaks the
    // cycle before start.
    MatchSimulator[] sim = new MatchSimulator[1];
    LivePushServer server = server(port(args))
        .objectMapper(mapper)
        .httpService(pages(() -> sim[0].matches(), mapper))
        .build();
    sim[0] = new MatchSimulator(server, System.nanoTime());
    server.start().join();
    sim[0].start(1000);
    server.closeOnJvmShutdown();
    System.out.println("livepush scoreboard: open http://localhost:" + server.port() + "/");
    server.blockUntilShutdown();
  }
}
