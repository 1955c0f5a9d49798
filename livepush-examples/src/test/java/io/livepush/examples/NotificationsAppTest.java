package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.LivePushServer;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The notifications example on real sockets with the JDK's HttpClient, with the example's own wiring. */
class NotificationsAppTest {
  private static final Map<String, String> TOKENS = Map.of("alice-token", "alice", "bob-token", "bob");
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper mapper = new ObjectMapper();
  /** Lets the test hold the session store, like a slow database. */
  private volatile CountDownLatch storeGate = new CountDownLatch(0);
  private final BlockingQueue<Thread> storeThreads = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> storeCalls = new LinkedBlockingQueue<>();
  private LivePushServer server;

  @BeforeEach
  void start() {
    server = NotificationsApp.create(LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(1)
        .shutdownDrain(Duration.ZERO), token -> {
      storeThreads.add(Thread.currentThread());
      storeCalls.add(token);
      try {
        storeGate.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Optional.ofNullable(TOKENS.get(token));
    });
    server.start().join();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpRequest.Builder request(String path, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    return token == null ? b : b.header("Authorization", "Bearer " + token);
  }

  private SseEvents follow(String token) throws Exception {
    HttpResponse<InputStream> r = http.send(request("/me/notifications", token).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    return new SseEvents(r);
  }

  private HttpResponse<String> notify(String token, String json) throws Exception {
    return http.send(request("/api/notify", token).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void eachUserReceivesOnlyTheirOwnNotificationsWithoutTheirIdInTheUrl() throws Exception {
    try (SseEvents alice = follow("alice-token"); SseEvents bob = follow("bob-token")) {
      alice.position();
      bob.position();
      HttpResponse<String> sent = notify("bob-token", "{\"to\":\"alice\",\"text\":\"lunch?\"}");
      assertThat(sent.statusCode()).isEqualTo(202);
      String id = mapper.readTree(sent.body()).path("id").asText();
      SseEvents.Received got = alice.next();
      assertThat(got.type()).isEqualTo(NotificationsApp.TYPE);
      assertThat(mapper.readTree(got.data())).isEqualTo(mapper.readTree("{\"from\":\"bob\",\"text\":\"lunch?\"}"));
      assertThat(got.id()).isEqualTo(id);

      assertThat(notify("alice-token", "{\"to\":\"bob\",\"text\":\"yes\"}").statusCode()).isEqualTo(202);
      assertThat(mapper.readTree(bob.next().data()).path("from").asText()).isEqualTo("alice");
      assertThat(alice.events).isEmpty(); // the reply went to bob only; alice's next event would be hers
    }
    assertThat(storeThreads).allSatisfy(t -> assertThat(t.getName()).startsWith("livepush-blocking-"));
  }

  @Test
  void missingOrUnknownTokensGet401AndBadBodies400() throws Exception {
    HttpResponse<String> anonymous = http.send(request("/me/notifications", null).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    HttpResponse<String> unknown = http.send(request("/me/notifications", "stolen").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(unknown.statusCode()).isEqualTo(401);
    assertThat(notify(null, "{\"to\":\"bob\",\"text\":\"x\"}").statusCode()).isEqualTo(401);
    assertThat(notify("alice-token", "not json").statusCode()).isEqualTo(400);
    assertThat(notify("alice-token", "{\"to\":\"bob\"}").statusCode()).isEqualTo(400);
    HttpResponse<String> me = http.send(request("/api/me", "bob-token").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(mapper.readTree(me.body()).path("name").asText()).isEqualTo("bob");
  }

  @Test
  void aSlowSessionStoreHoldsOnlyItsOwnRequestWhileTheLoopServesOthers() throws Exception {
    try (SseEvents bob = follow("bob-token")) {
      bob.position();
      storeGate = new CountDownLatch(1); // from now on the store hangs until released
      storeCalls.clear();
      var pending = http.sendAsync(request("/me/notifications", "alice-token").build(),
          HttpResponse.BodyHandlers.ofInputStream());
      assertThat(storeCalls.poll(10, TimeUnit.SECONDS)).isEqualTo("alice-token"); // now held in the store
      // One event loop: bob's stream still gets a notification published by the server directly.
      server.publish("user:bob", io.livepush.Event.text("still here").withType(NotificationsApp.TYPE));
      assertThat(bob.next().data()).isEqualTo("still here");
      assertThat(pending).isNotDone();
      storeGate.countDown();
      HttpResponse<InputStream> alice = pending.get(10, TimeUnit.SECONDS);
      assertThat(alice.statusCode()).isEqualTo(200);
      new SseEvents(alice).close();
    }
  }
}
