package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepush.CloseReason;
import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.fixtures.Budget;
import io.livepush.fixtures.LiveServer;
import io.livepush.spi.Session;
import io.livepush.testing.PacedSseReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One-off streams (issue 11): the handler decides before the head, sends are flow-controlled by the connection's
 * budget (stages, blocking, {@code Flow}), nothing is dropped, and a client that goes away fails what waits.
 * Real sockets, paranoid leak detection.
 */
class SseStreamFlowTest {
  static final int BUDGET = 32 * 1024;
  static final int SLACK = 2 * 1024;

  @RegisterExtension final LiveServer fixture = new LiveServer();
  private LivePushServer server;

  private void start(SseStreamHandler handler) {
    server = fixture.start(LiveServer.withBudget(LivePushServer.builder(), BUDGET)
        .transport(SseTransport.builder().stream("POST", "/jobs/{id}", handler).build()));
  }

  private PacedSseReader post(String path, String body, long rate) throws Exception {
    return fixture.closeAfter(PacedSseReader.open(server.port(), "POST", path,
        body.getBytes(StandardCharsets.UTF_8), rate));
  }

  @Test
  void aHandlerSeesTheRequestAndRejectsBeforeTheHead() throws Exception {
    start(req -> req.bodyLength() == 0
        ? StreamResponse.rejectJson(422, "{\"error\":\"job " + req.pathVariables().get("id") + " needs a body\"}")
            .withHeader("X-Job", req.pathVariables().get("id"))
        : StreamResponse.accept(e -> e.send("ok", req.method() + " " + req.queryParameters().get("q"))
            .whenComplete((v, x) -> e.complete())));
    PacedSseReader refused = post("/jobs/7", "", Long.MAX_VALUE);
    assertThat(refused.awaitEnd(20)).isTrue();
    assertThat(refused.head()).startsWith("HTTP/1.1 422").contains("X-Job: 7").doesNotContain("text/event-stream");
    assertThat(refused.plainBody()).isEqualTo("{\"error\":\"job 7 needs a body\"}");
    PacedSseReader accepted = post("/jobs/8?q=a", "x", Long.MAX_VALUE);
    assertThat(accepted.awaitEnd(20)).isTrue();
    assertThat(accepted.head()).startsWith("HTTP/1.1 200").contains("text/event-stream");
    assertThat(accepted.events()).containsExactly(new PacedSseReader.Received("ok", "POST [a]", ""));
  }

  @Test
  void theBuilderTakesAMethodTokenNotNettysType() {
    assertThatThrownBy(() -> SseTransport.builder().stream("PO ST", "/a", r -> null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SseTransport.builder().stream("OPTIONS", "/a", r -> null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void chainedSendsToAClientThatNeverReadsStayWithinBudgetAndFailWhenItIsClosed() throws Exception {
    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    AtomicInteger sent = new AtomicInteger();
    String payload = "y".repeat(500);
    start(req -> StreamResponse.accept(emitter -> new Object() {
      void next() {
        emitter.send(Event.text(payload)).whenComplete((v, e) -> {
          if (e != null) {
            failure.complete(e);
          } else {
            sent.incrementAndGet();
            next();
          }
        });
      }
    }.next()));
    post("/jobs/1", "{}", 0); // never reads
    Session s = fixture.nextSession();
    Throwable e = failure.get(60, TimeUnit.SECONDS);
    assertThat(e).isInstanceOf(StreamClosedException.class);
    assertThat(((StreamClosedException) e).reason()).isEqualTo(CloseReason.SLOW_CONSUMER);
    Budget.assertFilledAndBounded("chained sends", s, BUDGET, SLACK);
    assertThat(sent.get()).isGreaterThan(BUDGET / 600);
  }

  @Test
  void aFlowPublisherStreamsEveryItemToASlowReaderInOrder() throws Exception {
    Session s = streamFromPublisher(3000, "z".repeat(100), 128 * 1024);
    assertThat(s.peakPendingOutboundBytes()).isLessThanOrEqualTo(BUDGET + SLACK);
  }

  @Test
  void aFlowPublisherOfEventsAsLargeAsTheBudgetStreamsEveryOneToASlowReader() throws Exception {
    // Demand follows bytes, not a count of items: 16 items requested at once were 16 budgets of bytes (overflow).
    Session s = streamFromPublisher(40, "w".repeat(BUDGET), 512 * 1024);
    assertThat(s.closeReason()).isEqualTo(CloseReason.COMPLETED);
    // the connection's bytes; the emitter's own queue is bounded by the budget plus one event too
    assertThat(s.peakPendingOutboundBytes()).isLessThanOrEqualTo(2L * BUDGET + SLACK);
  }

  /** A {@code SubmissionPublisher} of {@code items} events "i payload" to a reader of {@code rate} bytes/s. */
  private Session streamFromPublisher(int items, String payload, long rate) throws Exception {
    CompletableFuture<Void> published = new CompletableFuture<>();
    start(req -> {
      SubmissionPublisher<Event> publisher = new SubmissionPublisher<>();
      // Produces once subscribed (a SubmissionPublisher drops items submitted before any subscriber).
      java.util.concurrent.Flow.Publisher<Event> onSubscribe = subscriber -> {
        publisher.subscribe(subscriber);
        CompletableFuture.runAsync(() -> {
          for (int i = 0; i < items; i++) {
            publisher.submit(Event.text(i + " " + payload)); // blocks while its buffer is full
          }
          publisher.close();
          published.complete(null);
        });
      };
      return StreamResponse.from(onSubscribe);
    });
    PacedSseReader slow = post("/jobs/2", "{}", rate);
    Session s = fixture.nextSession();
    assertThat(slow.awaitEnd(90)).isTrue();
    List<PacedSseReader.Received> got = slow.events();
    assertThat(got).hasSize(items);
    for (int i = 0; i < items; i++) {
      assertThat(got.get(i).data()).startsWith(i + " ");
    }
    assertThat(published).isDone();
    return s;
  }

  @Test
  void sendAndWaitRefusesAnEventLoopAndFailsTypedOnceTheClientIsGone() throws Exception {
    CompletableFuture<Throwable> onLoop = new CompletableFuture<>();
    CompletableFuture<Throwable> afterClose = new CompletableFuture<>();
    CompletableFuture<SseEmitter> emitters = new CompletableFuture<>();
    start(SseStreamHandler.nonBlocking(req -> StreamResponse.accept(emitter -> { // consumer on the loop
      try {
        emitter.sendAndWait(Event.text("x"));
        onLoop.complete(null);
      } catch (Throwable t) {
        onLoop.complete(t);
      }
      emitters.complete(emitter);
    })));
    PacedSseReader client = post("/jobs/3", "{}", Long.MAX_VALUE);
    assertThat(onLoop.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
    SseEmitter emitter = emitters.get(10, TimeUnit.SECONDS);
    Session s = fixture.nextSession();
    client.close();
    assertThat(s.channel().closeFuture().await(10, TimeUnit.SECONDS)).isTrue();
    Thread t = new Thread(() -> {
      try {
        emitter.sendAndWait(Event.text("late"));
        afterClose.complete(null);
      } catch (Throwable x) {
        afterClose.complete(x);
      }
    });
    t.start();
    assertThat(afterClose.get(10, TimeUnit.SECONDS)).isInstanceOf(StreamClosedException.class);
    assertThatThrownBy(() -> emitter.send(Event.text("later")).toCompletableFuture().get())
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(StreamClosedException.class);
    assertThat(emitter.trySend(Event.text("probe"))).isFalse();
  }
}
