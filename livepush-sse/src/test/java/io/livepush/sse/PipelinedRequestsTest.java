package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.AuthResult;
import io.livepush.Authenticator;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.LivePushServer;
import io.livepush.Principal;
import io.livepush.internal.RouterHandler;
import io.livepush.testing.Await;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests pipelined behind one whose HTTP service answers asynchronously (RFC 9112 §9.3.2): they wait while
 * the connection reads nothing, then every one of them is answered, in request order, and none is lost or
 * leaked. Raw socket: the JDK client does not pipeline.
 */
class PipelinedRequestsTest {
  private final BlockingQueue<CompletableFuture<HttpReply>> slow = new LinkedBlockingQueue<>();
  private LivePushServer server;

  @BeforeEach
  void start() {
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .httpService(HttpService.async((request, body) -> {
          if (!request.path().equals("/slow")) {
            return CompletableFuture.completedFuture(null);
          }
          CompletableFuture<HttpReply> reply = new CompletableFuture<>();
          slow.add(reply);
          return reply;
        }))
        .httpService(HttpService.nonBlocking((request, body) -> request.path().startsWith("/fast/")
            ? HttpReply.text(200, request.path().substring("/fast/".length())) : null))
        .transport(SseTransport.builder().route("/events/{id}", "t:{id}").build())
        .build();
    server.start().join();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\n\r\n";
  }

  @Test
  void everyRequestPipelinedBehindAnAsynchronousAnswerIsAnsweredInOrder() throws Exception {
    try (RawHttp c = new RawHttp(server.port())) {
      // One write: the server reads all four at once; three wait behind the first while it is answered.
      c.send(get("/slow") + get("/fast/1") + get("/fast/2") + get("/fast/3"));
      CompletableFuture<HttpReply> first = slow.poll(10, TimeUnit.SECONDS);
      assertThat(first).as("the asynchronous service was called").isNotNull();
      first.complete(HttpReply.text(200, "slow"));
      assertThat(c.read(false, false).body()).isEqualTo("slow");
      assertThat(c.read(false, false).body()).isEqualTo("1");
      assertThat(c.read(false, false).body()).isEqualTo("2");
      assertThat(c.read(false, false).body()).isEqualTo("3");
      // and the connection reads again
      assertThat(c.exchange(get("/fast/4")).body()).isEqualTo("4");
    }
  }

  @Test
  void requestsWaitingBehindASecondAsynchronousAnswerAreAnsweredAfterIt() throws Exception {
    try (RawHttp c = new RawHttp(server.port())) {
      c.send(get("/slow") + get("/fast/1") + get("/slow") + get("/fast/2"));
      slow.poll(10, TimeUnit.SECONDS).complete(HttpReply.text(200, "a"));
      assertThat(c.read(false, false).body()).isEqualTo("a");
      assertThat(c.read(false, false).body()).isEqualTo("1");
      CompletableFuture<HttpReply> second = slow.poll(10, TimeUnit.SECONDS);
      assertThat(second).as("the second asynchronous request was served after the first's answer").isNotNull();
      second.complete(HttpReply.text(200, "b"));
      assertThat(c.read(false, false).body()).isEqualTo("b");
      assertThat(c.read(false, false).body()).isEqualTo("2");
    }
  }

  @Test
  void upToMaxWaitingRequestsWaitAndAreAnswered() throws Exception {
    StringBuilder requests = new StringBuilder(get("/slow"));
    for (int i = 0; i < RouterHandler.MAX_WAITING; i++) {
      requests.append(get("/fast/" + i));
    }
    try (RawHttp c = new RawHttp(server.port())) {
      c.send(requests.toString()); // one write of < 1 KiB: read at once, all but the first wait
      slow.poll(10, TimeUnit.SECONDS).complete(HttpReply.text(200, "slow"));
      assertThat(c.read(false, false).body()).isEqualTo("slow");
      for (int i = 0; i < RouterHandler.MAX_WAITING; i++) {
        assertThat(c.read(false, false).body()).isEqualTo(String.valueOf(i));
      }
    }
  }

  @Test
  void oneMoreThanMaxWaitingClosesTheConnectionWithoutAnAnswer() throws Exception {
    StringBuilder requests = new StringBuilder(get("/slow"));
    for (int i = 0; i <= RouterHandler.MAX_WAITING; i++) {
      requests.append(get("/fast/" + i));
    }
    try (RawHttp c = new RawHttp(server.port())) {
      c.send(requests.toString());
      CompletableFuture<HttpReply> first = slow.poll(10, TimeUnit.SECONDS);
      assertThat(first).as("the first request reached its service").isNotNull();
      // Closed at once, not after the slow answer: none of the requests is answered (RFC 9112 §9.3.2 keeps
      // answers in order, so a later one cannot be refused alone); the client retries them (RFC 9112 §9.3.1).
      assertThat(c.closedWithoutMoreBytes()).isTrue();
      first.complete(HttpReply.text(200, "too late")); // written nowhere, leaks nothing
    }
  }

  @Test
  void aRequestPipelinedBehindAStreamWaitingForItsAuthenticatorIsNotAnsweredBeforeIt() throws Exception {
    CompletableFuture<AuthResult> decision = new CompletableFuture<>();
    try (LivePushServer authServer = LivePushServer.builder().host("127.0.0.1").port(0)
        .shutdownDrain(Duration.ZERO)
        .authenticator(Authenticator.async(request -> decision))
        .httpService(HttpService.nonBlocking((request, body) -> HttpReply.text(200, "service")))
        .transport(SseTransport.builder().route("/events/{id}", "t:{id}").build())
        .build()) {
      authServer.start().join();
      try (RawHttp c = new RawHttp(authServer.port())) {
        c.send("GET /events/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /other HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        Await.until("the stream's authenticator to be asked", Duration.ofSeconds(10),
            () -> decision.getNumberOfDependents() > 0);
        decision.complete(AuthResult.allow(Principal.ANONYMOUS));
        RawHttp.Response first = c.read(true, false);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header("content-type")).startsWith("text/event-stream");
      }
    }
  }
}
