package io.livepush.testing;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The clients of a cluster test and their {@link DeliveryChecker}: failing-over SSE and WebSocket clients that
 * report every event, bounded waits for conditions fed by other threads, and cleanup. Shared by the Redis and
 * Kafka cluster tests.
 */
public final class ClusterClients implements AutoCloseable {
  /** How long any awaited condition may take; generous because the machines running tests are shared. */
  public static final long AWAIT_SECONDS = 90;
  /** The checker every client reports to. */
  public final DeliveryChecker checker = new DeliveryChecker();
  /** The SSE clients started, closed by {@link #close()}. */
  public final List<SseTestClient> sse = new CopyOnWriteArrayList<>();
  /** The WebSocket clients started, closed by {@link #close()}. */
  public final List<WsTestClient> ws = new CopyOnWriteArrayList<>();

  /** Starts an SSE client following {@code topics} (from their start) and waits until it connected. */
  public SseTestClient sse(String name, Supplier<URI> target, String lastEventId, String... topics)
      throws InterruptedException {
    for (String t : topics) {
      checker.follow(name, t, 0);
    }
    SseTestClient c = new SseTestClient(name, target, checker, lastEventId);
    sse.add(c);
    if (c.connects.poll(AWAIT_SECONDS, TimeUnit.SECONDS) == null) {
      throw new AssertionError(name + " did not connect");
    }
    return c;
  }

  /** Starts a WebSocket client following {@code topics} (from their start) and waits until it subscribed. */
  public WsTestClient ws(String name, Supplier<URI> target, String... topics) throws InterruptedException {
    for (String t : topics) {
      checker.follow(name, t, 0);
    }
    WsTestClient c = new WsTestClient(name, target, checker, List.of(topics));
    ws.add(c);
    if (c.connects.poll(AWAIT_SECONDS, TimeUnit.SECONDS) == null) {
      throw new AssertionError(name + " did not subscribe");
    }
    return c;
  }

  /** The URI of a node's multi-topic SSE path {@code /events} on 127.0.0.1, following {@code topics}. */
  public static URI sseUri(int port, String... topics) {
    return URI.create("http://127.0.0.1:" + port + "/events?topic=" + String.join(",", topics));
  }

  /** The URI of a node's WebSocket path {@code /ws} on 127.0.0.1. */
  public static URI wsUri(int port) {
    return URI.create("ws://127.0.0.1:" + port + "/ws");
  }

  /**
   * Publishes the next event of {@code topic}, text {@code "topic/seq"}, through {@code send} and records it as
   * published once {@code send} returned.
   */
  public <T> T publish(String topic, Function<String, T> send) {
    long seq = checker.lastPublished(topic) + 1;
    T id = send.apply(topic + "/" + seq);
    checker.published(topic, seq);
    return id;
  }

  /**
   * Like {@link #publish}, but a failure of type {@code ambiguous} (the bus cannot tell whether the event was
   * written) is recorded as uncertain; returns whether the publish was acknowledged.
   */
  public boolean tryPublish(String topic, Consumer<String> send, Class<? extends RuntimeException> ambiguous) {
    long seq = checker.lastPublished(topic) + 1;
    try {
      send.accept(topic + "/" + seq);
    } catch (RuntimeException e) {
      if (!ambiguous.isInstance(e)) {
        throw e;
      }
      checker.publishUncertain(topic, seq);
      return false;
    }
    checker.published(topic, seq);
    return true;
  }

  /** Waits (bounded by {@link #AWAIT_SECONDS}) until {@code condition} holds, re-checking as events arrive. */
  public static void await(String what, BooleanSupplier condition) throws InterruptedException {
    Await.until(what, Duration.ofSeconds(AWAIT_SECONDS), condition);
  }

  /** Waits until every named client received the last event published so far of every topic. */
  public void awaitAllCaughtUp(List<String> clientNames, String... topics) throws InterruptedException {
    for (String c : clientNames) {
      for (String t : topics) {
        long last = checker.lastPublished(t);
        await(c + " to reach " + t + "/" + last, () -> checker.caughtUp(c, t, last));
      }
    }
  }

  @Override
  public void close() {
    for (SseTestClient c : sse) {
      c.close();
    }
    for (WsTestClient c : ws) {
      c.close();
    }
  }
}
