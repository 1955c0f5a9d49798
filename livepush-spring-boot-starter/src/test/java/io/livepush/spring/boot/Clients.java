package io.livepush.spring.boot;

import io.livepush.client.LivePushClient;
import io.livepush.client.LivePushListener;
import io.livepush.client.PushEvent;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Test clients: livepush-client followers that queue what they receive, and plain JDK requests. */
final class Clients {
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Clients() {}

  /** A started client (OPEN) whose events go to {@code events}. */
  static LivePushClient follow(Consumer<LivePushClient.Builder> config, BlockingQueue<PushEvent> events) {
    LivePushClient.Builder b = LivePushClient.builder().maxReconnectAttempts(1).listener(new LivePushListener() {
      @Override
      public void onEvent(PushEvent event) {
        events.add(event);
      }
    });
    config.accept(b);
    LivePushClient client = b.build();
    client.start().orTimeout(10, TimeUnit.SECONDS).join();
    return client;
  }

  /** The next event within 10 s, or an assertion error. */
  static PushEvent next(BlockingQueue<PushEvent> events) throws InterruptedException {
    PushEvent e = events.poll(10, TimeUnit.SECONDS);
    if (e == null) {
      throw new AssertionError("no event within 10 s");
    }
    return e;
  }

  static BlockingQueue<PushEvent> queue() {
    return new LinkedBlockingQueue<>();
  }

  /** A GET's status and headers; a streaming body is closed unread. */
  static HttpResponse<?> head(URI uri, String... headers) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
    for (int i = 0; i < headers.length; i += 2) {
      r.header(headers[i], headers[i + 1]);
    }
    // ofInputStream completes with the head; a 200 stream never ends, so its body is closed, not read.
    HttpResponse<InputStream> resp = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofInputStream());
    resp.body().close();
    return resp;
  }

  static HttpResponse<String> get(URI uri) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
