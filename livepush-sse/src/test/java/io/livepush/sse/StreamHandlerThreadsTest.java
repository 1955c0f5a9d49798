package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.fixtures.LiveServer;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Where a one-off stream's handler and its accepted consumer run (issue 11): by default on the blocking
 * executor, so both may block, and a handler blocked on a latch stalls no other connection of its event loop;
 * {@code nonBlocking} and {@code async} handlers on the loop. The handler refuses with any status and body
 * before the stream starts. JDK client, real sockets.
 */
class StreamHandlerThreadsTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  @RegisterExtension final LiveServer fixture = new LiveServer();

  private void start(SseStreamHandler handler) {
    fixture.start(LivePushServer.builder()
        .ioThreads(1) // one event loop: a blocked callback on it would stall every connection
        .transport(SseTransport.builder().route("/live/{id}", "t:{id}").stream("POST", "/ask", handler).build()));
  }

  private URI uri(String path) {
    return fixture.uri(path);
  }

  private CompletableFuture<HttpResponse<String>> ask(String body) {
    return http.sendAsync(HttpRequest.newBuilder(uri("/ask")).POST(HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aBlockingHandlerMayWaitThenRefusesWithAnyStatusAndBodyWhileTheLoopServesOthers() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    BlockingQueue<Thread> threads = new LinkedBlockingQueue<>();
    start(request -> {
      threads.add(Thread.currentThread());
      entered.countDown();
      try {
        release.await(); // a quota store that takes its time
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return StreamResponse.rejectJson(402, "{\"error\":\"quota exceeded\"}").withHeader("X-Quota", "0");
    });
    CompletableFuture<HttpResponse<String>> refused = ask("question");
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    try (RawSseClient other = RawSseClient.open(http, uri("/live/1"), null)) {
      other.awaitAnyId();
      fixture.server().publish("t:1", Event.text("while the handler waits"));
      assertThat(other.next().data()).isEqualTo("while the handler waits");
      assertThat(refused).isNotDone();
    }
    release.countDown();
    HttpResponse<String> r = refused.get(10, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(402);
    assertThat(r.body()).isEqualTo("{\"error\":\"quota exceeded\"}");
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> v.startsWith("application/json"));
    assertThat(r.headers().firstValue("X-Quota")).hasValue("0");
    assertThat(threads.poll()).isNotInstanceOf(FastThreadLocalThread.class)
        .satisfies(t -> assertThat(t.getName()).startsWith("livepush-blocking-"));
  }

  @Test
  void aBlockingHandlersConsumerRunsOffTheLoopAndMaySendAndWait() throws Exception {
    BlockingQueue<Thread> threads = new LinkedBlockingQueue<>();
    start(request -> StreamResponse.accept(emitter -> {
      threads.add(Thread.currentThread());
      try {
        for (String word : new String(request.body(), StandardCharsets.UTF_8).split(" ")) {
          emitter.sendAndWait(Event.text(word).withType("token")); // blocks while the client is slow
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      emitter.complete();
    }));
    HttpResponse<String> r = ask("how are you").get(30, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("event: token\ndata: how\n\nevent: token\ndata: are\n\nevent: token\ndata: you\n\n");
    assertThat(threads.poll()).isNotInstanceOf(FastThreadLocalThread.class);
  }

  @Test
  void nonBlockingAndAsyncHandlersRunOnTheLoop() throws Exception {
    BlockingQueue<Thread> threads = new LinkedBlockingQueue<>();
    start(SseStreamHandler.nonBlocking(request -> {
      threads.add(Thread.currentThread());
      return StreamResponse.accept(emitter -> {
        threads.add(Thread.currentThread());
        emitter.send(Event.text("direct")).whenComplete((v, e) -> emitter.complete());
      });
    }));
    HttpResponse<String> r = ask("x").get(30, TimeUnit.SECONDS);
    assertThat(r.body()).contains("data: direct\n\n");
    assertThat(threads).hasSize(2).allSatisfy(t -> assertThat(t).isInstanceOf(FastThreadLocalThread.class));
    fixture.server().close();

    CompletableFuture<StreamResponse> later = new CompletableFuture<>();
    start(SseStreamHandler.async(request -> {
      threads.add(Thread.currentThread());
      return later;
    }));
    threads.clear();
    CompletableFuture<HttpResponse<String>> pending = ask("y");
    Thread handlerThread = threads.poll(10, TimeUnit.SECONDS);
    assertThat(handlerThread).isInstanceOf(FastThreadLocalThread.class);
    Thread completer = new Thread(() -> later.complete(StreamResponse.reject(409, "busy")), "completer");
    completer.start(); // completes on a thread of its own: the answer goes back to the loop
    HttpResponse<String> refused = pending.get(10, TimeUnit.SECONDS);
    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(refused.body()).isEqualTo("busy");
  }

  @Test
  void aHandlerThatThrowsGets500AndNoStream() throws Exception {
    start(request -> {
      throw new IllegalStateException("bug");
    });
    HttpResponse<String> r = ask("x").get(10, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.headers().firstValue("Content-Type")).isNotEqualTo(java.util.Optional.of("text/event-stream"));
  }
}
