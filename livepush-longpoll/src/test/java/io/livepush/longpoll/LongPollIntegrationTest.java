package io.livepush.longpoll;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepush.AuthResult;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.Principal;
import io.livepush.ReplayConfig;
import io.livepush.testing.Await;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Long-polls on real sockets with the JDK's HTTP client: answers, bounds, guards, disconnects, shutdown. */
class LongPollIntegrationTest {
  private LivePushServer server;
  private LongPollTransport transport;
  private Poller poller;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private void start(UnaryOperator<LongPollTransport.Builder> t, UnaryOperator<LivePushServer.Builder> s) {
    transport = t.apply(LongPollTransport.builder().path("/poll")).build();
    server = s.apply(LivePushServer.builder()).host("127.0.0.1").port(0).shutdownDrain(Duration.ofSeconds(2))
        .transport(transport).build();
    server.start().join();
    poller = new Poller(server.port(), "/poll");
  }

  /** The longest hold (and the default of {@link #start()}): a held poll is answered by an event, never the clock. */
  static final Duration LONGEST_HOLD = Duration.ofMinutes(5);

  private void start() {
    start(t -> t.timeout(LONGEST_HOLD), s -> s);
  }

  /**
   * The bound of every wait in the long-poll tests: only a guard against a hang, never what a test measures (each
   * waits for a condition); generous so that a loaded machine (load average 20+) only makes them slower.
   */
  static final Duration HANG_GUARD = Duration.ofSeconds(90);

  static void await(BooleanSupplier condition) throws InterruptedException {
    Await.until("a condition", HANG_GUARD, condition);
  }

  static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
  }

  private void awaitHeld(int n, int topicsEach) throws InterruptedException {
    awaitHeld(server, n, topicsEach);
  }

  /**
   * Waits until {@code n} polls of {@code topicsEach} topics are held: their sessions open AND subscribed. A session
   * counts in {@code connections()} before its topics are subscribed (later in the same event-loop task, which the
   * test thread may observe in between on a loaded machine): an event published in that window is before a "live
   * from now" poll's position, so it would never answer that poll.
   */
  static void awaitHeld(LivePushServer server, int n, int topicsEach) throws InterruptedException {
    await(() -> {
      io.livepush.LivePushStats stats = server.stats();
      return stats.connections() == n && stats.subscriptions() == (long) n * topicsEach;
    });
  }

  @Test
  void answersAtOnceWithWhatTheLogHoldsAfterTheId() throws Exception {
    start();
    EventId first = server.publish("a", Event.json(Map.of("n", 1)));
    EventId second = server.publish("a", Event.json(Map.of("n", 2)).withType("score"));
    EventId third = server.publish("b", Event.text("line \"3\"\n"));

    Poller.Answer answer = poller.poll(first.toString(), "a", "b");
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.response().headers().firstValue("content-type")).contains("application/json");
    assertThat(answer.response().headers().firstValue("cache-control")).contains("no-store");
    assertThat(answer.ids()).containsExactly(second.toString(), third.toString());
    assertThat(answer.events().get(0).get("event").asText()).isEqualTo("score");
    assertThat(answer.events().get(0).get("data").get("n").asInt()).isEqualTo(2);
    assertThat(answer.events().get(1).get("topic").asText()).isEqualTo("b");
    assertThat(answer.events().get(1).get("event").isNull()).isTrue();
    assertThat(answer.events().get(1).get("data").asText()).isEqualTo("line \"3\"\n");
    assertThat(answer.position()).isEqualTo(third.toString());
    await(() -> transport.polls() == 0);
  }

  @Test
  void holdsUntilAnEventIsPublishedAndTheHeaderWinsOverTheQuery() throws Exception {
    start();
    EventId head = server.publish("a", Event.text("before"));
    CompletableFuture<Poller.Answer> held = poller.send(HttpRequest.newBuilder(poller.uri("0-0", "a"))
        .header("Last-Event-ID", head.toString()).GET().build());
    awaitHeld(1, 1);
    assertThat(held).isNotDone();
    EventId next = server.publish("a", Event.text("after"));
    Poller.Answer answer = get(held);
    assertThat(answer.ids()).containsExactly(next.toString());
    assertThat(answer.position()).isEqualTo(next.toString());
  }

  @Test
  void timeoutAnswerCarriesThePosition() throws Exception {
    start(t -> t.timeout(Duration.ofMillis(200)), s -> s);
    EventId a = server.publish("a", Event.text("x"));
    server.publish("other", Event.text("not followed"));
    Poller.Answer answer = poller.poll(a.toString(), "a");
    assertThat(answer.events()).isEmpty();
    // Complete up to the head: the next poll does not look at the other topic's event again.
    assertThat(EventId.parse(answer.position()).offset()).isGreaterThan(a.offset());
    Poller.Answer fresh = poller.poll(null, "a");
    assertThat(fresh.events()).isEmpty();
    assertThat(fresh.position()).isEqualTo(answer.position());
  }

  @Test
  void resetWhenTheIdLeftTheLogThenLiveFromItsPosition() throws Exception {
    start(t -> t, s -> s.replay(ReplayConfig.builder().maxEventsPerTopic(2).build()));
    EventId gone = server.publish("a", Event.text("1"));
    for (int i = 2; i <= 5; i++) {
      server.publish("a", Event.text(String.valueOf(i)));
    }
    Poller.Answer answer = poller.poll(gone.toString(), "a");
    assertThat(answer.events()).hasSize(1);
    JsonNode reset = answer.events().get(0);
    assertThat(reset.get("event").asText()).isEqualTo("reset");
    assertThat(reset.get("data").get("topic").asText()).isEqualTo("a");
    assertThat(reset.get("data").get("reason").asText()).isEqualTo("too-old");
    assertThat(answer.position()).isEqualTo(reset.get("data").get("id").asText());
    Poller.Answer foreign = poller.poll("zz-1", "a");
    assertThat(foreign.events().get(0).get("data").get("reason").asText()).isEqualTo("epoch-changed");
  }

  @Test
  void batchIsBoundedAndTheRestComesOnTheNextPolls() throws Exception {
    start(t -> t.maxBatchEvents(3), s -> s);
    List<String> published = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      published.add(server.publish(i % 2 == 0 ? "a" : "b", Event.json(Map.of("i", i))).toString());
    }
    List<String> received = new ArrayList<>();
    String position = "earliest";
    int polls = 0;
    while (received.size() < published.size()) {
      Poller.Answer answer = poller.poll(position, "a", "b");
      assertThat(answer.events().size()).isBetween(1, 3);
      received.addAll(answer.ids());
      position = answer.position();
      polls++;
    }
    assertThat(received).containsExactlyElementsOf(published);
    assertThat(polls).isEqualTo(4);
  }

  @Test
  void pollsOverTheCapGet503WithRetryAfter() throws Exception {
    start(t -> t.maxPolls(2).timeout(LONGEST_HOLD), s -> s); // the held polls are answered by the event only
    CompletableFuture<Poller.Answer> one = poller.pollAsync(null, "a");
    CompletableFuture<Poller.Answer> two = poller.pollAsync(null, "a");
    awaitHeld(2, 1); // subscribed, not only open: "live from now" polls must be subscribed before the publish
    Poller.Answer third = poller.poll(null, "a");
    assertThat(third.status()).isEqualTo(503);
    assertThat(third.response().headers().firstValue("retry-after")).isPresent();
    EventId e = server.publish("a", Event.text("x"));
    assertThat(get(one).ids()).containsExactly(e.toString());
    assertThat(get(two).ids()).containsExactly(e.toString());
    await(() -> transport.polls() == 0);
    assertThat(poller.poll("earliest", "a").status()).isEqualTo(200); // a place again, once answered
  }

  @Test
  void aFloodOfPollsMeetsTheAdmissionRate() throws Exception {
    start(t -> t, s -> s.connectionRate(1, 3));
    server.publish("a", Event.text("x"));
    List<Integer> statuses = new ArrayList<>();
    long firstFloodAdmitted = -1;
    long deadline = System.nanoTime() + HANG_GUARD.toNanos();
    // Floods of 12 until one meets the bound: a machine so loaded that 12 polls took longer than the bucket's refill
    // (1/s) would see them all admitted; the next flood then still comes faster than that.
    while (!statuses.contains(503) && System.nanoTime() - deadline < 0) {
      List<CompletableFuture<Poller.Answer>> flood = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        flood.add(poller.pollAsync("earliest", "a"));
      }
      for (CompletableFuture<Poller.Answer> f : flood) {
        statuses.add(get(f).status());
      }
      if (firstFloodAdmitted < 0) {
        firstFloodAdmitted = statuses.stream().filter(s -> s == 200).count();
      }
    }
    // The burst of 3 is admitted, the rest only as the bucket refills (1/s).
    assertThat(statuses).containsOnly(200, 503);
    assertThat(firstFloodAdmitted).isGreaterThanOrEqualTo(3);
    assertThat(statuses).contains(503);
  }

  @Test
  void authenticationAuthorizationAndBadRequestsAreRefusedBeforeHolding() throws Exception {
    start(t -> t.timeout(Duration.ofMillis(50)).allowedOrigins("https://app.example"), s -> s
        .authenticator(req -> "t-1".equals(req.header("Authorization"))
            ? AuthResult.allow(Principal.of("ana"))
            : AuthResult.unauthorized("credentials required", "Bearer"))
        .topicAuthorizer(io.livepush.TopicAuthorizer.byPrincipal((p, topic) -> !topic.startsWith("admin:"))));
    Poller.Answer none = poller.poll(null, "a");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.response().headers().firstValue("www-authenticate")).contains("Bearer");
    HttpRequest.Builder ok = HttpRequest.newBuilder(poller.uri(null, "a")).header("Authorization", "t-1")
        .header("Origin", "https://app.example");
    Poller.Answer allowed = poller.send(ok.GET().build()).get();
    assertThat(allowed.status()).isEqualTo(200);
    assertThat(allowed.response().headers().firstValue("access-control-allow-origin"))
        .contains("https://app.example");
    assertThat(poller.send(HttpRequest.newBuilder(poller.uri(null, "admin:1")).header("Authorization", "t-1")
        .GET().build()).get().status()).isEqualTo(403);
    assertThat(poller.send(HttpRequest.newBuilder(poller.uri("bad_id", "a")).header("Authorization", "t-1")
        .GET().build()).get().status()).isEqualTo(400);
    assertThat(poller.send(HttpRequest.newBuilder(poller.uri(null)).header("Authorization", "t-1")
        .GET().build()).get().status()).isEqualTo(400);
    assertThat(poller.send(HttpRequest.newBuilder(poller.uri(null, "a")).POST(HttpRequest.BodyPublishers
        .noBody()).build()).get().status()).isEqualTo(405);
    // HEAD too (a poll's answer is its body; a HEAD would take a poll slot for nothing), with the methods served
    Poller.Answer head = poller.send(HttpRequest.newBuilder(poller.uri(null, "a"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build()).get();
    assertThat(head.status()).isEqualTo(405);
    assertThat(head.response().headers().firstValue("allow")).hasValue("GET, OPTIONS");
    // the CORS preflight answers the fixed lists, whatever the page asks for
    Poller.Answer preflight = poller.send(HttpRequest.newBuilder(poller.uri(null, "a"))
        .header("Origin", "https://app.example").header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "x-custom, last-event-id")
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build()).get();
    assertThat(preflight.status()).isEqualTo(204);
    assertThat(preflight.response().headers().firstValue("access-control-allow-methods")).hasValue("GET, OPTIONS");
    assertThat(preflight.response().headers().firstValue("access-control-allow-headers"))
        .hasValue("last-event-id, content-type, authorization, cache-control, accept");
  }

  @Test
  void disconnectWhileHeldReleasesThePollAndItsConnection() throws Exception {
    start();
    server.publish("a", Event.text("x"));
    for (int i = 0; i < 20; i++) {
      try (Socket s = new Socket("127.0.0.1", server.port())) {
        OutputStream out = s.getOutputStream();
        out.write(("GET /poll?topic=a&topic=b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        awaitHeld(1, 2);
      }
      await(() -> server.stats().connections() == 0 && transport.polls() == 0);
    }
    // The server still answers: the held polls left nothing behind (LeakGuard checks the buffers).
    assertThat(poller.poll("earliest", "a").events()).hasSize(1);
  }

  @Test
  void shutdownAnswersHeldPollsWithTheirPosition() throws Exception {
    start();
    EventId head = server.publish("a", Event.text("x"));
    CompletableFuture<Poller.Answer> held = poller.pollAsync(head.toString(), "a");
    awaitHeld(1, 1);
    get(server.stop().toCompletableFuture());
    Poller.Answer answer = get(held);
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.events()).isEmpty();
    assertThat(answer.position()).isEqualTo(head.toString());
  }

  @Test
  void rawWireAnswerHasAContentLengthAndClosesTheConnection() throws Exception {
    start();
    EventId e = server.publish("a", Event.text("x"));
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.getOutputStream().write(("GET /poll?topic=a&lastEventId=earliest HTTP/1.1\r\nHost: x\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      String all = new String(in.readAllBytes(), StandardCharsets.UTF_8); // ends when the server closes
      assertThat(all).startsWith("HTTP/1.1 200 OK\r\n").contains("content-length: ").contains("connection: close")
          .endsWith("\r\n\r\n{\"events\":[{\"id\":\"" + e + "\",\"topic\":\"a\",\"event\":null,\"data\":\"x\"}],"
              + "\"position\":\"" + e + "\"}");
    }
  }
}
