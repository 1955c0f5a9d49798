package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.ClientScripts;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.ReplayConfig;
import io.livepush.longpoll.LongPollTransport;
import io.livepush.redis.RedisBus;
import io.livepush.sse.SseTransport;
import io.livepush.testing.Await;
import io.livepush.testing.RedisServerProcess;
import io.livepush.websocket.WebSocketTransport;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Resume by time on the single-node, in-memory log (docs/protocol.md "Resume by time"): SSE {@code ?since=},
 * WebSocket {@code "from":"<time>"} and long-polling {@code ?since=}, with the JDK's HttpClient and WebSocket.
 * Each test publishes events before and after a time {@code t} (the wall clock is awaited past each boundary, so
 * "before" and "after" do not depend on the machine's speed) and checks that exactly the events from {@code t}
 * on are replayed, in order, before the live ones.
 */
class ResumeByTimeTest {
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<AutoCloseable> open = new ArrayList<>();
  private LivePushServer server;
  private RedisServerProcess redis;

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private void start(ReplayConfig replay) {
    start(LivePushServer.builder().replay(replay));
  }

  private void start(LivePushServer.Builder builder) {
    server = builder.host("127.0.0.1").port(0)
        .transport(SseTransport.builder().multiTopicPath("/events").build())
        .transport(WebSocketTransport.builder().build())
        .transport(LongPollTransport.builder().path("/poll").timeout(Duration.ofSeconds(5)).build())
        .httpService(ClientScripts.service())
        .build();
    server.start().join();
  }

  /** The wall clock's now once it has moved past {@code after} (so events before and after it are apart). */
  private static Instant tickPast(Instant after) throws InterruptedException {
    Await.until("the clock moves on", Duration.ofSeconds(5), () -> Instant.now().isAfter(after.plusMillis(2)));
    return Instant.now();
  }

  private URI uri(String path, String query) {
    return URI.create("http://127.0.0.1:" + server.port() + path + "?" + query);
  }

  private static String q(Object value) {
    return URLEncoder.encode(value.toString(), StandardCharsets.UTF_8);
  }

  private SseEvents sse(String query, String lastEventId) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri("/events", query)).header("Accept", "text/event-stream");
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    SseEvents events = new SseEvents(r);
    open.add(events);
    return events;
  }

  /** Data of the stream's events up to and including the live {@code marker} the test publishes now. */
  private List<String> upToMarker(SseEvents events, String topic, String marker) throws Exception {
    events.position(); // subscribed: whatever is published from now on is live
    server.publish(topic, Event.text(marker));
    List<String> out = new ArrayList<>();
    for (;;) {
      SseEvents.Received r = events.next();
      out.add(r.type().equals("reset") ? "reset:" + json.readTree(r.data()).get("reason").asText() : r.data());
      if (r.data().equals(marker)) {
        return out;
      }
    }
  }

  @Test
  void sseSinceReplaysExactlyTheEventsFromThatTimeOnAcrossTopicsInOrder() throws Exception {
    start(ReplayConfig.defaults());
    server.publish("a", Event.text("a1"));
    server.publish("b", Event.text("b1"));
    Instant t = tickPast(Instant.now());
    Instant afterT = tickPast(t);
    server.publish("b", Event.text("b2"));
    server.publish("a", Event.text("a2"));
    server.publish("b", Event.text("b3"));
    assertThat(afterT).isAfter(t);

    assertThat(upToMarker(sse("topic=a,b&since=" + q(t), null), "a", "live"))
        .containsExactly("b2", "a2", "b3", "live");
    // The same instant in another offset and with lower-case separators names the same position.
    String plusTwo = java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME
        .format(t.atOffset(java.time.ZoneOffset.ofHours(2))).replace('T', 't');
    assertThat(upToMarker(sse("topic=a&since=" + q(plusTwo), null), "a", "live2"))
        .containsExactly("a2", "live", "live2");
  }

  @Test
  void anIdWinsOverSinceAndAFutureTimeIsLiveFromNow() throws Exception {
    start(ReplayConfig.defaults());
    Instant t = tickPast(Instant.now());
    tickPast(t);
    EventId x1 = server.publish("x", Event.text("x1"));
    server.publish("x", Event.text("x2"));
    // A reconnecting EventSource sends Last-Event-ID to the URL it started with: the id, which is exact, wins.
    assertThat(upToMarker(sse("topic=x&since=" + q(t), x1.toString()), "x", "m1")).containsExactly("x2", "m1");
    assertThat(upToMarker(sse("topic=x&lastEventId=" + x1 + "&since=" + q(t), null), "x", "m2"))
        .containsExactly("x2", "m1", "m2");
    Instant future = Instant.now().plus(Duration.ofHours(1));
    assertThat(upToMarker(sse("topic=x&since=" + q(future), null), "x", "m3")).containsExactly("m3");
  }

  @Test
  void eventsFromThatTimeNoLongerRetainedGiveAResetNeverASilentGap() throws Exception {
    start(ReplayConfig.builder().maxEventsPerTopic(2).build());
    Instant t = tickPast(Instant.now());
    tickPast(t);
    for (int i = 1; i <= 4; i++) {
      server.publish("c", Event.text("c" + i)); // c1 and c2 leave the log: they were after t
    }
    server.publish("d", Event.text("d1")); // d keeps everything since t
    assertThat(upToMarker(sse("topic=c,d&since=" + q(t), null), "c", "m"))
        .containsExactly("reset:too-old", "d1", "m");
    // A time after the dropped events: the retained ones replay.
    Instant later = tickPast(Instant.now());
    tickPast(later);
    server.publish("c", Event.text("c5"));
    assertThat(upToMarker(sse("topic=c&since=" + q(later), null), "c", "m2")).containsExactly("c5", "m2");
  }

  @Test
  void webSocketFromATimeReplaysThenSubscribes() throws Exception {
    start(ReplayConfig.defaults());
    server.publish("a", Event.text("a1"));
    Instant t = tickPast(Instant.now());
    tickPast(t);
    server.publish("a", Event.text("a2"));
    server.publish("b", Event.text("b1"));
    WsJsonClient ws = new WsJsonClient(URI.create("ws://127.0.0.1:" + server.port() + "/ws"));
    open.add(() -> ws.ws.abort());
    ws.send("{\"type\":\"subscribe\",\"topics\":[\"a\",\"b\"],\"from\":\"" + t + "\",\"ref\":\"r1\"}");
    assertThat(ws.next().get("data").asText()).isEqualTo("a2");
    assertThat(ws.next().get("data").asText()).isEqualTo("b1");
    JsonNode subscribed = ws.next();
    assertThat(subscribed.get("type").asText()).isEqualTo("subscribed");
    assertThat(subscribed.get("ref").asText()).isEqualTo("r1");
    // A time is one position for every listed topic: per topic it is refused; so are malformed times.
    ws.send("{\"type\":\"subscribe\",\"topics\":[\"c\"],\"from\":{\"c\":\"" + t + "\"},\"ref\":\"r2\"}");
    JsonNode error = ws.next("error");
    assertThat(error.get("code").asText()).isEqualTo("bad-request");
    assertThat(error.get("ref").asText()).isEqualTo("r2");
    ws.send("{\"type\":\"subscribe\",\"topics\":[\"c\"],\"from\":\"2026-11-30T18:00Z\",\"ref\":\"r3\"}");
    error = ws.next("error");
    assertThat(error.get("code").asText()).isEqualTo("bad-request");
    assertThat(error.get("message").asText()).contains("RFC 3339");
  }

  @Test
  void longPollSinceAnswersTheEventsFromThatTime() throws Exception {
    start(ReplayConfig.defaults());
    server.publish("p", Event.text("p1"));
    Instant t = tickPast(Instant.now());
    tickPast(t);
    server.publish("p", Event.text("p2"));
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/poll", "topic=p&since=" + q(t))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = json.readTree(r.body());
    assertThat(body.get("events")).hasSize(1);
    assertThat(body.get("events").get(0).get("data").asText()).isEqualTo("p2");
  }

  @Test
  void malformedTimesAreRefusedWith400BeforeAnyStream() throws Exception {
    start(ReplayConfig.defaults());
    for (String bad : List.of("2026-11-30", "2026-11-30T18:00Z", "2026-11-30 18:00:00Z", "2026-02-30T00:00:00Z",
        "2026-11-30T24:00:00Z", "2026-11-30T18:00:00", "2026-11-30T18:00:00-00:00", "2026-11-30T18:00:60Z",
        "2026-11-30T18:00:00.1234567890Z", "1764525600", "2026-11-30T18:00:00Z\r\nX-Injected: 1")) {
      for (String path : List.of("/events", "/poll")) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(path, "topic=a&since=" + q(bad))).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s", path, bad).isEqualTo(400);
        assertThat(r.body()).as(bad).contains("RFC 3339").doesNotContain("\r\nX-Injected");
      }
    }
    HttpResponse<String> twice = http.send(HttpRequest.newBuilder(
        uri("/events", "topic=a&since=" + q(Instant.now()) + "&since=" + q(Instant.now()))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(twice.statusCode()).isEqualTo(400);
  }

  @Test
  void clientsOthersWroteStartFromATime() throws Exception {
    BrowserHarness.assumeBrowserTests(); // Node 20+ with eventsource and ws (src/test/js)
    start(ReplayConfig.defaults());
    server.publish("t", Event.text("before"));
    Instant t = tickPast(Instant.now());
    tickPast(t);
    server.publish("t", Event.text("after1"));
    server.publish("other", Event.text("elsewhere"));
    server.publish("t", Event.text("after2"));
    JsonNode out = NodeScript.run(json, Duration.ofSeconds(120),
        List.of("--experimental-eventsource", "--no-warnings"), "resume-by-time.mjs",
        "http://127.0.0.1:" + server.port(), t.toString(), "2");
    assertThat(out.get("error")).as("%s", out).isNull();
    for (String client : List.of("undici", "eventsource", "ws", "livepushJsWebSocket", "livepushJsLongPoll",
        "livepushSse")) {
      assertThat(out.get(client)).as(client + " in %s", out).isNotNull();
      List<String> data = new ArrayList<>();
      out.get(client).forEach(d -> data.add(d.asText()));
      assertThat(data).as(client).containsExactly("after1", "after2");
    }
  }

  @Test
  void aBusThatCannotLookUpTimesRefusesAResumeByTimeClearly() throws Exception {
    redis = RedisServerProcess.start(); // RedisBus has no position-by-time lookup (its stream ids are offsets)
    start(LivePushServer.builder().bus(RedisBus.builder().uri(redis.uri()).build()));
    String since = q(Instant.now().minusSeconds(60));
    for (String path : List.of("/events", "/poll")) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(path, "topic=a&since=" + since)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path).isEqualTo(400);
      assertThat(r.body()).as(path).contains("cannot resume by time");
    }
    WsJsonClient ws = new WsJsonClient(URI.create("ws://127.0.0.1:" + server.port() + "/ws"));
    open.add(() -> ws.ws.abort());
    ws.send("{\"type\":\"subscribe\",\"topics\":[\"a\"],\"from\":\"" + Instant.now().minusSeconds(60)
        + "\",\"ref\":\"r1\"}");
    JsonNode error = ws.next("error");
    assertThat(error.get("code").asText()).isEqualTo("unsupported");
    assertThat(error.get("ref").asText()).isEqualTo("r1");
    // The connection stays usable: an id (or none) still subscribes.
    ws.send("{\"type\":\"subscribe\",\"topics\":[\"a\"],\"ref\":\"r2\"}");
    assertThat(ws.next("subscribed").get("ref").asText()).isEqualTo("r2");
  }
}
