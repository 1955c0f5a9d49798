package io.livepush.test;

import io.livepush.EventId;
import io.livepush.client.ClientState;
import io.livepush.client.LivePushClient;
import io.livepush.client.LivePushListener;
import io.livepush.client.PushEvent;
import io.livepush.client.Reset;
import io.livepush.client.StateListener;
import io.livepush.client.StreamItem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * A {@link LivePushClient} that records what it receives, with assertions that wait (up to the kit's timeout) for
 * the condition instead of sleeping. Created by {@link TestLivePush}. Thread-safe: the client records on its own
 * thread, the test asserts on its.
 *
 * <pre>{@code
 * RecordingClient fan = livepush.sseClient("match:1");
 * livepush.publish("match:1", Map.of("home", 1));
 * fan.assertInOrderWithoutGaps();            // every event published to match:1 since fan went live
 * }</pre>
 */
public final class RecordingClient implements LivePushListener, StateListener, AutoCloseable {
  private final TestLivePush livepush;
  private final List<String> topics;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final List<StreamItem> items = new ArrayList<>();
  private final List<ClientState> states = new ArrayList<>();
  private LivePushClient client;
  private EventId livePosition;
  private boolean closed;
  private Throwable closeCause;

  RecordingClient(TestLivePush livepush, List<String> topics) {
    this.livepush = livepush;
    this.topics = List.copyOf(topics);
  }

  void attach(LivePushClient client) {
    this.client = client;
  }

  void startLive() {
    client.start();
    await("the client to open and learn its position",
        () -> closed || client.state() == ClientState.OPEN && client.position() != null);
    if (closed) {
      throw new AssertionError("the client closed before going live", closeCause);
    }
    livePosition = parse(client.position());
  }

  /** {@return the client, for positions, transport switches, or closing it early} */
  public LivePushClient client() {
    return client;
  }

  /** {@return the topics this client follows} */
  public List<String> topics() {
    return topics;
  }

  /** {@return everything received so far, in order} */
  public List<StreamItem> items() {
    lock.lock();
    try {
      return List.copyOf(items);
    } finally {
      lock.unlock();
    }
  }

  /** {@return the events received so far, in order} */
  public List<PushEvent> events() {
    List<PushEvent> out = new ArrayList<>();
    for (StreamItem i : items()) {
      if (i instanceof PushEvent e) {
        out.add(e);
      }
    }
    return out;
  }

  /** {@return the resets received so far, in order} */
  public List<Reset> resets() {
    List<Reset> out = new ArrayList<>();
    for (StreamItem i : items()) {
      if (i instanceof Reset r) {
        out.add(r);
      }
    }
    return out;
  }

  /** {@return the states the client went through, in order} */
  public List<ClientState> states() {
    lock.lock();
    try {
      return List.copyOf(states);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits for at least {@code n} events and returns the first {@code n}.
   *
   * @param n how many
   * @return the first {@code n} events
   */
  public List<PushEvent> awaitEvents(int n) {
    await(n + " events", () -> events().size() >= n);
    return events().subList(0, n);
  }

  /**
   * Waits for a reset of {@code topic} and returns the first one.
   *
   * @param topic the topic or {@code null}
   * @return the reset
   */
  public Reset awaitReset(String topic) {
    await("a reset of " + topic, () -> resets().stream().anyMatch(r -> r.topic().equals(topic)));
    return resets().stream().filter(r -> r.topic().equals(topic)).findFirst().orElseThrow();
  }

  /**
   * Asserts that a reset of {@code topic} with {@code reason} arrives (waiting for it).
   *
   * @param topic the topic or {@code null}
   * @param reason the reason
   * @return this client, for chaining
   */
  public RecordingClient assertReset(String topic, String reason) {
    Reset r = awaitReset(topic);
    if (!r.reason().equals(reason)) {
      throw new AssertionError("reset of " + topic + " with reason " + r.reason() + " (expected: " + reason + ")");
    }
    return this;
  }

  /**
   * Asserts that the events' data are exactly {@code data}, in order (waiting until that many arrived).
   *
   * @param data the payloads expected, in order
   * @return this client, for chaining
   */
  public RecordingClient assertData(String... data) {
    awaitEvents(data.length);
    List<String> all = events().stream().map(PushEvent::data).toList();
    if (!all.equals(List.of(data))) {
      throw new AssertionError("received " + all + " (expected: " + List.of(data) + ")");
    }
    return this;
  }

  /**
   * Waits until the client has every event published through {@link TestLivePush#publish} to its topics since it
   * went live (or since its {@code from}), then asserts it received exactly those, in id order: nothing lost,
   * nothing repeated, nothing reordered, no reset.
   *
   * @return this client, for chaining
   */
  public RecordingClient assertInOrderWithoutGaps() {
    List<EventId> expected = livepush.published(topics).stream()
        .filter(id -> livePosition == null || id.epoch() == livePosition.epoch() && id.compareTo(livePosition) > 0)
        .toList();
    await(expected.size() + " events published since the client went live",
        () -> receivedIds().size() >= expected.size() || !resets().isEmpty());
    if (!resets().isEmpty()) {
      throw new AssertionError("unexpected reset(s): " + resets());
    }
    List<EventId> got = receivedIds();
    if (!got.equals(expected)) {
      throw new AssertionError("received " + got.size() + " events, expected " + expected.size() + " in order: "
          + describeDifference(got, expected));
    }
    return this;
  }

  /**
   * Waits until {@code condition} holds, re-checking whenever the client receives something or changes state.
   *
   * @param what what is awaited, for the failure message
   * @param condition checked on each change
   */
  public void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + livepush.timeout().toNanos();
    lock.lock();
    try {
      while (!condition.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("timed out after " + livepush.timeout().toMillis() + " ms waiting for " + what
              + "; received " + items.size() + " item(s), states " + states + ", " + client + ", buffered "
              + (client == null ? 0 : client.bufferedEvents()));
        }
        // Bounded wait: conditions may also depend on the client's volatile state (position, state()).
        changed.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for " + what, e);
    } finally {
      lock.unlock();
    }
  }

  /** Closes the client (idempotent). */
  @Override
  public void close() {
    if (client != null) {
      client.close();
    }
  }

  private List<EventId> receivedIds() {
    List<EventId> ids = new ArrayList<>();
    for (PushEvent e : events()) {
      if (e.id() != null) {
        ids.add(parse(e.id()));
      }
    }
    return ids;
  }

  private static EventId parse(String id) {
    try {
      return id == null ? null : EventId.parse(id);
    } catch (RuntimeException e) {
      return null; // not a livepush id (earliest, or another server's)
    }
  }

  private static String describeDifference(List<EventId> got, List<EventId> expected) {
    for (int i = 0; i < Math.min(got.size(), expected.size()); i++) {
      if (!got.get(i).equals(expected.get(i))) {
        return "first difference at #" + i + ": got " + got.get(i) + ", expected " + expected.get(i);
      }
    }
    return got.size() > expected.size() ? "extra events from " + got.get(expected.size())
        : "missing events from " + expected.get(got.size());
  }

  private void record(Runnable r) {
    lock.lock();
    try {
      r.run();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void onEvent(PushEvent event) {
    record(() -> items.add(Objects.requireNonNull(event)));
  }

  @Override
  public void onReset(Reset reset) {
    record(() -> items.add(reset));
  }

  @Override
  public void onClosed(Throwable cause) {
    record(() -> {
      closed = true;
      closeCause = cause;
    });
  }

  @Override
  public void onState(ClientState state, Throwable cause, Duration delay) {
    record(() -> states.add(state));
  }

  /** {@return whether the client stopped, and why ({@code null} after a close)} */
  public Throwable closeCause() {
    lock.lock();
    try {
      return closeCause;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "RecordingClient{" + topics + ", " + client + ", items=" + items().size() + '}';
  }
}
