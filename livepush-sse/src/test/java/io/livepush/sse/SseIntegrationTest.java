package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.ReplayConfig;
import io.livepush.sse.RawSseClient.Received;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real sockets on port 0, read by the JDK HttpClient and parsed per WHATWG HTML §9.2.6. */
class SseIntegrationTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private LivePushServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private LivePushServer start(LivePushServer.Builder b) {
    server = b.host("127.0.0.1").port(0).build();
    server.start().join();
    return server;
  }

  private LivePushServer startDefault() {
    return start(LivePushServer.builder().transport(SseTransport.builder()
        .route("/api/match/{id}/live", "match:{id}")
        .multiTopicPath("/api/events")
        .build()));
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  private RawSseClient connect(String path, String lastEventId) throws Exception {
    RawSseClient c = RawSseClient.open(http, uri(path), lastEventId);
    assertThat(c.response.statusCode()).isEqualTo(200);
    return c;
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void deliversLiveEventsWithIdsTypesAndHeaders() throws Exception {
    startDefault();
    try (RawSseClient c = connect("/api/match/42/live", null)) {
      assertThat(c.response.headers().firstValue("content-type")).contains("text/event-stream; charset=utf-8");
      assertThat(c.response.headers().firstValue("cache-control")).contains("no-cache");
      assertThat(c.response.headers().firstValue("x-accel-buffering")).contains("no");
      assertThat(c.response.headers().firstValue("content-encoding")).isEmpty();
      String anchor = c.awaitAnyId();
      assertThat(EventId.parse(anchor).offset()).isZero();
      assertThat(c.retry).isBetween(3000L, 3600L);

      EventId first = server.publish("match:42", Event.rawJson("{\"home\":1,\"away\":0,\"minute\":12}")
          .withType("score-update"));
      server.publish("match:7", Event.text("not for this stream"));
      EventId third = server.publish("match:42", Event.text("line1\nline2\r\nline3").withType("note"));

      Received r1 = c.next();
      assertThat(r1).isEqualTo(new Received("score-update", "{\"home\":1,\"away\":0,\"minute\":12}",
          first.toString()));
      Received r2 = c.next();
      assertThat(r2).isEqualTo(new Received("note", "line1\nline2\nline3", third.toString()));
      assertThat(c.events).isEmpty();
    }
  }

  @Test
  void resumesWithLastEventIdAndReceivesExactlyTheMissedEvents() throws Exception {
    startDefault();
    String last;
    try (RawSseClient c = connect("/api/match/1/live", null)) {
      c.awaitAnyId();
      for (int i = 1; i <= 3; i++) {
        server.publish("match:1", Event.text("e" + i));
      }
      List<Received> got = c.next(3);
      assertThat(got).extracting(Received::data).containsExactly("e1", "e2", "e3");
      last = got.get(2).lastEventId();
    }
    for (int i = 4; i <= 6; i++) {
      server.publish("match:1", Event.text("e" + i));
    }
    try (RawSseClient c = connect("/api/match/1/live", last)) {
      assertThat(c.next(3)).extracting(Received::data).containsExactly("e4", "e5", "e6");
      c.awaitLastEventId(EventId.of(server.epoch(), 6).toString()); // the anchor: head at stream start
      server.publish("match:1", Event.text("e7"));
      assertThat(c.next().data()).isEqualTo("e7");
      assertThat(c.events).isEmpty();
    }
  }

  @Test
  void lastEventIdQueryParameterResumesAndTheHeaderWins() throws Exception {
    startDefault();
    EventId a = server.publish("match:2", Event.text("a"));
    EventId b = server.publish("match:2", Event.text("b"));
    server.publish("match:2", Event.text("c"));
    try (RawSseClient c = connect("/api/match/2/live?lastEventId=" + a, null)) {
      assertThat(c.next(2)).extracting(Received::data).containsExactly("b", "c");
    }
    try (RawSseClient c = connect("/api/match/2/live?lastEventId=" + a, b.toString())) {
      assertThat(c.next().data()).isEqualTo("c");
      c.awaitAnyId();
      assertThat(c.events).isEmpty();
    }
  }

  @Test
  void earliestReplaysEverythingRetainedByHeaderOrQuery() throws Exception {
    start(LivePushServer.builder().replay(ReplayConfig.builder().maxEventsPerTopic(2).build())
        .transport(SseTransport.builder().multiTopicPath("/api/events").build()));
    server.publish("x", Event.text("x1"));
    server.publish("y", Event.text("y1"));
    server.publish("x", Event.text("x2"));
    EventId x3 = server.publish("x", Event.text("x3"));
    for (String late : new String[] {"header", "query"}) {
      try (RawSseClient c = late.equals("header") ? connect("/api/events?topic=x,y", "earliest")
          : connect("/api/events?topic=x,y&lastEventId=earliest", null)) {
        // x1 has left the log (two per topic): what is retained, in offset order, and no reset.
        assertThat(c.next(3)).extracting(Received::data).containsExactly("y1", "x2", "x3");
        Received position = c.positions.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(position).isNotNull();
        assertThat(position.lastEventId()).isEqualTo(x3.toString());
        assertThat(c.events).isEmpty();
      }
    }
    assertThat(server.stats().resets(io.livepush.ResetReason.TOO_OLD)).isZero();
  }

  @Test
  void oneIdResumesEveryTopicOfAMultiTopicStream() throws Exception {
    startDefault();
    String last;
    try (RawSseClient c = connect("/api/events?topic=a&topic=b", null)) {
      c.awaitAnyId();
      server.publish("a", Event.text("a1"));
      server.publish("b", Event.text("b1"));
      List<Received> got = c.next(2);
      assertThat(got).extracting(Received::data).containsExactly("a1", "b1");
      last = c.lastEventId;
    }
    server.publish("b", Event.text("b2"));
    server.publish("c", Event.text("c1"));
    server.publish("a", Event.text("a2"));
    server.publish("b", Event.text("b3"));
    try (RawSseClient c = connect("/api/events?topic=a,b", last)) {
      assertThat(c.next(3)).extracting(Received::data).containsExactly("b2", "a2", "b3");
    }
  }

  @Test
  void foreignEpochGetsResetThenLiveEvents() throws Exception {
    startDefault();
    long foreign = (server.epoch() + 1) & 0xFF_FFFF_FFFFL;
    String id = EventId.of(foreign, 5).toString();
    try (RawSseClient c = connect("/api/match/3/live", id)) {
      Received reset = c.next();
      assertThat(reset.type()).isEqualTo("reset");
      assertThat(reset.data()).contains("\"topic\":\"match:3\"").contains("\"reason\":\"epoch-changed\"");
      c.awaitAnyId();
      server.publish("match:3", Event.text("live"));
      assertThat(c.next().data()).isEqualTo("live");
    }
  }

  @Test
  void resumePastRetentionGetsTooOldReset() throws Exception {
    start(LivePushServer.builder()
        .replay(ReplayConfig.builder().maxEventsPerTopic(2).build())
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()));
    EventId first = server.publish("m:1", Event.text("1"));
    for (int i = 2; i <= 5; i++) {
      server.publish("m:1", Event.text(Integer.toString(i)));
    }
    try (RawSseClient c = connect("/m/1", first.toString())) {
      Received reset = c.next();
      assertThat(reset.type()).isEqualTo("reset");
      assertThat(reset.data()).contains("\"reason\":\"too-old\"");
      c.awaitAnyId();
      server.publish("m:1", Event.text("6"));
      assertThat(c.next().data()).isEqualTo("6");
      assertThat(c.events).isEmpty();
    }
  }

  @Test
  void idAheadOfTheLogGetsUnknownPositionReset() throws Exception {
    startDefault();
    String id = EventId.of(server.epoch(), 1_000_000).toString();
    try (RawSseClient c = connect("/api/match/9/live", id)) {
      assertThat(c.next().data()).contains("\"reason\":\"unknown-position\"");
    }
  }

  @Test
  void heartbeatsArriveOnAnIdleStream() throws Exception {
    start(LivePushServer.builder().heartbeatInterval(Duration.ofMillis(100))
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()));
    try (RawSseClient c = connect("/m/1", null)) {
      assertThat(c.comments.poll(5, TimeUnit.SECONDS)).isEqualTo(":");
      assertThat(c.comments.poll(5, TimeUnit.SECONDS)).isEqualTo(":");
    }
  }

  @Test
  void badInputGetsClearStatuses() throws Exception {
    start(LivePushServer.builder()
        .maxTopicsPerConnection(2)
        .topicAuthorizer((req, topic) -> !topic.startsWith("secret"))
        .transport(SseTransport.builder().route("/api/match/{id}/live", "match:{id}")
            .route("/s/{id}", "secret:{id}").multiTopicPath("/api/events").build()));
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri("/api/match/1/live"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("allow")).contains("GET, HEAD, OPTIONS");
    assertThat(get("/nope").statusCode()).isEqualTo(404);
    HttpResponse<String> malformed = get("/api/match/1/live", "Last-Event-ID", "not an id!");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(malformed.body()).contains("Last-Event-ID");
    assertThat(get("/api/match/1/live", "Last-Event-ID", "a-" + "1".repeat(200)).statusCode()).isEqualTo(400);
    assertThat(get("/api/match/1/live?lastEventId=%3Cscript%3E").statusCode()).isEqualTo(400);
    assertThat(get("/api/match/bad%20id/live").statusCode()).isEqualTo(400);
    assertThat(get("/api/events").statusCode()).isEqualTo(400);
    assertThat(get("/api/events?topic=a,b,c").body()).contains("at most 2 topics");
    HttpResponse<String> refused = get("/s/1");
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body()).contains("secret:1");
    assertThat(get("/api/match/1/live", "X-Big", "v".repeat(10_000)).statusCode()).isEqualTo(431);
    assertThat(server.connectionCount()).isZero();
  }

  @Test
  void overCapacityGets503WithRetryAfter() throws Exception {
    start(LivePushServer.builder().maxConnections(1)
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build()));
    try (RawSseClient c = connect("/m/1", null)) {
      c.awaitAnyId();
      HttpResponse<String> r = get("/m/2");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.headers().firstValue("retry-after")).contains("3");
    }
  }

  @Test
  void corsPreflightAllowsLastEventIdForAllowedOrigins() throws Exception {
    start(LivePushServer.builder().transport(SseTransport.builder().route("/m/{id}", "m:{id}")
        .allowedOrigins("https://app.example").allowCredentials(true).build()));
    HttpResponse<String> ok = http.send(HttpRequest.newBuilder(uri("/m/1"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", "https://app.example")
        .header("Access-Control-Request-Headers", "last-event-id").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).isEqualTo(204);
    assertThat(ok.headers().firstValue("access-control-allow-origin")).contains("https://app.example");
    assertThat(ok.headers().firstValue("access-control-allow-credentials")).contains("true");
    assertThat(ok.headers().firstValue("access-control-allow-headers").orElse("")).containsIgnoringCase(
        "last-event-id");
    HttpResponse<String> denied = http.send(HttpRequest.newBuilder(uri("/m/1"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", "https://evil.example").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(denied.statusCode()).isEqualTo(403);
    try (RawSseClient c = RawSseClient.open(http, uri("/m/1"), null)) {
      assertThat(c.response.headers().firstValue("access-control-allow-origin")).isEmpty();
    }
  }

  @Test
  void oneOffStreamIsWrittenByTheApplicationAndEnds() throws Exception {
    start(LivePushServer.builder().transport(SseTransport.builder()
        .stream("POST", "/api/ask", req -> StreamResponse.accept(emitter -> CompletableFuture.runAsync(() -> {
          try {
            for (String word : new String(req.body(), java.nio.charset.StandardCharsets.UTF_8).split(" ")) {
              emitter.sendAndWait(Event.text(word).withType("token"));
            }
            emitter.sendAndWait(Event.json(Map.of("done", true)).withType("done"));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          emitter.complete();
        }))).build()));
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/api/ask"))
        .POST(HttpRequest.BodyPublishers.ofString("how are you")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("event: token\ndata: how\n\nevent: token\ndata: are\n\nevent: token\ndata: you\n\n")
        .endsWith("event: done\ndata: {\"done\":true}\n\n");
  }

  @Test
  void publishRejectsInjectionAndBadTopics() {
    startDefault();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Event.text("x").withType("a\nid: 1"))
        .isInstanceOf(io.livepush.InvalidEventException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> server.publish("bad topic", Event.text("x")))
        .isInstanceOf(io.livepush.InvalidTopicException.class);
  }
}
