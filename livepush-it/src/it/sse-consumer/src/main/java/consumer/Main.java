package consumer;

import consumer.check.OneNetty;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.sse.SseTransport;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * livepush-sse alone (and, compiled with a module descriptor, on the module path): publishes one event, then
 * reads it over SSE with java.net.http by resuming from the id before it.
 */
public final class Main {
  public static void main(String[] args) throws Exception {
    OneNetty.require(args[0]);
    LivePushServer server = LivePushServer.builder().host("127.0.0.1").port(0)
        .transport(SseTransport.builder().route("/live/{id}", "match:{id}").build())
        .build();
    try (server) {
      server.start().join();
      EventId id = server.publish("match:1", Event.text("goal"));
      EventId before = EventId.of(id.epoch(), id.offset() - 1);
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/live/1"))
          .header("Last-Event-ID", before.toString()).timeout(Duration.ofSeconds(30)).build();
      HttpResponse<InputStream> response = HttpClient.newHttpClient()
          .send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null && !line.startsWith("data:")) {
          // retry:, id: and event: lines come first
        }
        if (!"data: goal".equals(line)) {
          throw new AssertionError("expected the event, read " + line);
        }
      }
      System.out.println("sse consumer: read event " + id + " (" + Main.class.getModule() + ")");
    }
  }
}
