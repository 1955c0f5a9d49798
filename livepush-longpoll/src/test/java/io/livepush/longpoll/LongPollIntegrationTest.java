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

  private void start() {
    start(t -> t, s -> s);
  }

  static void await(BooleanSupplier condition) throws InterruptedException {
    Await.until("a condition", Duration.ofSeconds(10), condition);
  }

  private void awaitHeld(int n) throws InterruptedException {
    await(() -> server.stats().connections() == n);
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
    awaitHeld(1);
    assertThat(held).isNotDone();
    EventId next = server.publish("a", Event.text("after"));
    Poller.Answer answer = held.get(10, TimeUnit.SECONDS);
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
    start(t -> t.maxPolls(2), s -> s);
    CompletableFuture<Poller.Answer> one = poller.pollAsync(null, "a");
    CompletableFuture<Poller.Answer> two = poller.pollAsync(null, "a");
    awaitHeld(2);
    Poller.Answer third = poller.poll(null, "a");
    assertThat(third.status()).isEqualTo(503);
    assertThat(third.response().headers().firstValue("retry-after")).isPresent();
    EventId e = server.publish("a", Event.text("x"));
    assertThat(one.get(10, TimeUnit.SECONDS).ids()).containsExactly(e.toString());
    assertThat(two.get(10, TimeUnit.SECONDS).ids()).containsExactly(e.toString());
    await(() -> transport.polls() == 0);
    assertThat(poller.poll("earliest", "a").status()).isEqualTo(200); // a place again, once answered
  }

  @Test
  void aFloodOfPollsMeetsTheAdmissionRate() throws Exception {
    start(t -> t, s -> s.connectionRate(1, 3));
    server.publish("a", Event.text("x"));
    List<CompletableFuture<Poller.Answer>> flood = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      flood.add(poller.pollAsync("earliest", "a"));
    }
    List<Integer> statuses = new ArrayList<>();
    for (CompletableFuture<Poller.Answer> f : flood) {
      statuses.add(f.get(20, TimeUnit.SECONDS).status());
    }
    // The burst of 3 is admitted, the rest only as the bucket refills (1/s): far from all twelve.
    assertThat(statuses).containsOnly(200, 503);
    assertThat(statuses.stream().filter(s -> s == 200).count()).isGreaterThanOrEqualTo(3);
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
        awaitHeld(1);
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
    awaitHeld(1);
    server.stop().get(10, TimeUnit.SECONDS);
    Poller.Answer answer = held.get(10, TimeUnit.SECONDS);
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
