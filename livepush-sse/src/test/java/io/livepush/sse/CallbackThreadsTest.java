package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.AuthResult;
import io.livepush.Authenticator;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.HttpReply;
import io.livepush.LivePushServer;
import io.livepush.Principal;
import io.livepush.RequestInfo;
import io.livepush.fixtures.LiveServer;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Application callbacks that block run off the event loop, callbacks that are asynchronous complete anywhere, and
 * the principal reaches routes, HTTP services and presence; on real sockets with the JDK client.
 */
class CallbackThreadsTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @RegisterExtension final LiveServer fixture = new LiveServer();

  private RawSseClient open(String path, String user) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(fixture.uri(path)).header("Accept", "text/event-stream").GET();
    if (user != null) {
      b.header("X-User", user);
    }
    return RawSseClient.open(http, b.build());
  }

  private HttpResponse<String> send(String method, String path, String user) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(fixture.uri(path))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (user != null) {
      b.header("X-User", user);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Accepts {@code X-User: <name>}, refuses requests without it. */
  private static AuthResult byHeader(RequestInfo request) {
    String user = request.header("X-User");
    return user == null ? AuthResult.unauthorized("who are you?", "Bearer") : AuthResult.allow(Principal.of(user));
  }

  @Test
  void anAuthenticatorBlockedOnALatchDoesNotStallOtherConnectionsOnTheSameLoop() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    BlockingQueue<Thread> threads = new LinkedBlockingQueue<>();
    fixture.start(LivePushServer.builder()
        .ioThreads(1) // one event loop: a blocked callback on it would stall every connection
        .authenticator(request -> {
          threads.add(Thread.currentThread());
          if ("slow".equals(request.header("X-User"))) {
            entered.countDown();
            try {
              release.await(); // a session store that takes its time
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return byHeader(request);
        })
        .transport(SseTransport.builder().route("/live/{id}", "t:{id}").build()));
    CompletableFuture<HttpResponse<InputStream>> slow = http.sendAsync(HttpRequest.newBuilder(fixture.uri("/live/1"))
        .header("X-User", "slow").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

    try (RawSseClient fast = open("/live/1", "fast")) {
      fast.awaitAnyId();
      EventId id = fixture.server().publish("t:1", Event.text("while the other waits"));
      RawSseClient.Received got = fast.next();
      assertThat(got.data()).isEqualTo("while the other waits");
      assertThat(got.lastEventId()).isEqualTo(id.toString());
      assertThat(slow).isNotDone();
    }
    release.countDown();
    HttpResponse<InputStream> r = slow.get(10, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
    r.body().close();
    assertThat(threads).isNotEmpty().allSatisfy(t -> {
      assertThat(t).isNotInstanceOf(FastThreadLocalThread.class);
      assertThat(t.getName()).startsWith("livepush-blocking-");
    });
  }

  @Test
  void anHttpServicePublishesWithTheBlockingCallAndTheEventReachesSubscribers() throws Exception {
    fixture.start(LivePushServer.builder()
        .httpService((request, body) -> request.path().equals("/publish")
            ? HttpReply.text(200, fixture.server().publish("t:1", Event.text(new String(body))).toString())
            : null)
        .transport(SseTransport.builder().route("/live/{id}", "t:{id}").build()));
    try (RawSseClient sub = open("/live/1", null)) {
      sub.awaitAnyId();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(fixture.uri("/publish"))
          .POST(HttpRequest.BodyPublishers.ofString("from a service")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      RawSseClient.Received got = sub.next();
      assertThat(got.data()).isEqualTo("from a service");
      assertThat(got.lastEventId()).isEqualTo(r.body());
    }
  }

  @Test
  void aFullBlockingExecutorAnswers503WithRetryAfter() throws Exception {
    fixture.start(LivePushServer.builder()
        .blockingExecutor(task -> {
          throw new RejectedExecutionException("full");
        })
        .authenticator(CallbackThreadsTest::byHeader)
        .httpService((request, body) -> HttpReply.text(200, "never"))
        .transport(SseTransport.builder().route("/live/{id}", "t:{id}").build()));
    HttpResponse<String> stream = send("GET", "/live/1", "alice");
    assertThat(stream.statusCode()).isEqualTo(503);
    assertThat(stream.headers().firstValue("Retry-After")).isPresent();
    HttpResponse<String> page = send("GET", "/page", null);
    assertThat(page.statusCode()).isEqualTo(503);
    assertThat(fixture.server().connectionCount()).isZero();
  }

  @Test
  void anAsynchronousAuthenticatorCompletingOnAnotherThreadAdmitsAndRefuses() throws Exception {
    fixture.start(LivePushServer.builder()
        .authenticator(Authenticator.async(request -> CompletableFuture.supplyAsync(() -> byHeader(request),
            CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS))))
        .transport(SseTransport.builder().route("/live/{id}", "t:{id}").build()));
    HttpResponse<String> refused = send("GET", "/live/1", null);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    try (RawSseClient sub = open("/live/1", "alice")) {
      sub.awaitAnyId();
      fixture.server().publish("t:1", Event.text("hi"));
      assertThat(sub.next().data()).isEqualTo("hi");
    }
  }

  @Test
  void aRouteFollowsThePrincipalsOwnTopicWithoutItsNameInTheUrl() throws Exception {
    fixture.start(LivePushServer.builder()
        .authenticator(Authenticator.nonBlocking(request -> request.header("X-User") == null
            ? AuthResult.allow(Principal.ANONYMOUS) : byHeader(request)))
        .transport(SseTransport.builder().route("/me/notifications", "user:{principal}").build()));
    assertThat(send("GET", "/me/notifications", null).statusCode()).isEqualTo(401);
    try (RawSseClient alice = open("/me/notifications", "alice")) {
      alice.awaitAnyId();
      fixture.server().publish("user:bob", Event.text("for bob"));
      fixture.server().publish("user:alice", Event.text("for alice"));
      RawSseClient.Received got = alice.next();
      assertThat(got.data()).isEqualTo("for alice");
    }
  }

  @Test
  void anAuthenticatedHttpServiceSeesThePrincipalAndRefusalsGetTheAuthenticatorsStatus() throws Exception {
    BlockingQueue<Principal> seen = new LinkedBlockingQueue<>();
    fixture.start(LivePushServer.builder()
        .authenticator(CallbackThreadsTest::byHeader)
        .httpService((request, body) -> request.path().equals("/public") ? HttpReply.text(200, "hello") : null)
        .authenticatedHttpService((request, body) -> {
          seen.add(request.principal());
          return request.path().equals("/api/me") ? HttpReply.text(200, request.principal().name()) : null;
        })
        .transport(SseTransport.builder().route("/live/{id}", "t:{id}").build()));
    assertThat(send("GET", "/public", null).body()).isEqualTo("hello");
    HttpResponse<String> refused = send("GET", "/api/me", null);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    assertThat(seen).isEmpty();
    HttpResponse<String> me = send("GET", "/api/me", "carol");
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.body()).isEqualTo("carol");
    assertThat(send("GET", "/api/other", "carol").statusCode()).isEqualTo(404);
    assertThat(seen).extracting(Principal::name).containsExactly("carol", "carol");
  }

  @Test
  void aSubscriberOfAPresenceTopicGetsTheMemberSnapshotWithoutAnId() throws Exception {
    fixture.start(LivePushServer.builder()
        .authenticator(CallbackThreadsTest::byHeader)
        .presence(t -> t.startsWith("room:"))
        .presenceSnapshot(true)
        .presenceMetadata(p -> Map.of("initial", p.name().substring(0, 1)))
        .transport(SseTransport.builder().route("/rooms/{id}", "room:{id}").build()));
    try (RawSseClient alice = open("/rooms/1", "alice")) {
      RawSseClient.Received first = alice.next();
      assertThat(first.type()).isEqualTo("presence.snapshot");
      assertThat(first.data()).isEqualTo("{\"topic\":\"room:1\",\"members\":[{\"name\":\"alice\","
          + "\"metadata\":{\"initial\":\"a\"}}],\"count\":1}");
      try (RawSseClient bob = open("/rooms/1", "bob")) {
        String position = bob.awaitAnyId();
        RawSseClient.Received snapshot = bob.next();
        assertThat(snapshot.type()).isEqualTo("presence.snapshot");
        assertThat(snapshot.data()).contains("\"name\":\"alice\"", "\"name\":\"bob\"", "\"count\":2");
        assertThat(snapshot.lastEventId()).isEqualTo(position); // no id: the resume position stays
      }
    }
  }
}
