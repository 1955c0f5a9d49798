package io.livepush.testing;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
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

  /** Waits (bounded by {@link #AWAIT_SECONDS}) until {@code condition} holds, re-checking as events arrive. */
  public static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(AWAIT_SECONDS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10); // polling a condition fed by other threads, bounded by the deadline above
    }
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
