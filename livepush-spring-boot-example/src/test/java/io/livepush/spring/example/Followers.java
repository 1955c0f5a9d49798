package io.livepush.spring.example;

import io.livepush.client.LivePushClient;
import io.livepush.client.LivePushListener;
import io.livepush.client.PushEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A livepush-client follower that queues its events, and JDK HttpClient calls to the application. */
final class Followers implements AutoCloseable {
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  final BlockingQueue<PushEvent> events = new LinkedBlockingQueue<>();
  final LivePushClient client;

  /** Starts a client (waits until OPEN) configured by {@code config}. */
  Followers(Consumer<LivePushClient.Builder> config) {
    LivePushClient.Builder b = LivePushClient.builder().maxReconnectAttempts(1).listener(new LivePushListener() {
      @Override
      public void onEvent(PushEvent event) {
        events.add(event);
      }
    });
    config.accept(b);
    client = b.build();
    client.start().orTimeout(15, TimeUnit.SECONDS).join();
  }

  /** The next event within 15 s. */
  PushEvent next() throws InterruptedException {
    PushEvent e = events.poll(15, TimeUnit.SECONDS);
    if (e == null) {
      throw new AssertionError("no event within 15 s");
    }
    return e;
  }

  @Override
  public void close() {
    client.close();
  }

  static HttpResponse<String> post(URI uri, String token, String json) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(URI uri) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
