package io.livepush.sse;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.CloseReason;
import io.livepush.Event;
import io.livepush.InvalidEventIdException;
import io.livepush.spi.Session;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes an application-driven SSE response (see {@link SseStreamHandler}) with flow control: an event is
 * written only while the connection is within its outbound budget ({@code maxPendingOutboundBytes}), so memory
 * stays bounded however slowly the client reads, and no event is ever dropped silently.
 *
 * <h2>Three ways to send</h2>
 * <ul>
 *   <li>{@link #send(Event)} returns a {@link CompletionStage} that completes when the event has been handed to
 *       the connection within its budget; chain the next event on it ({@code send(a).thenCompose(v -> send(b))})
 *       and a stream goes exactly as fast as its reader.</li>
 *   <li>{@link #sendAndWait(Event)} blocks until then: in a plain handler's consumer (it runs on the server's
 *       blocking executor), on virtual threads or threads of your own, never on an event loop
 *       ({@link IllegalStateException} there).</li>
 *   <li>{@link #subscriber()} is a {@link Flow.Subscriber} whose demand follows the connection: a
 *       {@link Flow.Publisher} from any reactive library streams with backpressure.</li>
 * </ul>
 * {@link #trySend(Event)} is the non-blocking probe: it sends only when the event can go now, else returns
 * {@code false} and sends nothing.
 *
 * <h2>Bounds</h2>
 * The connection's pending bytes follow the server's outbound rule (budget plus one event). Events sent but not
 * yet written wait here, in order, up to {@code maxPendingOutboundBytes} more (a caller that chains has at most
 * one waiting); a send past that fails its stage with {@link StreamOverflowException} and the stream goes on.
 *
 * <h2>End</h2>
 * When the stream closes — the client went away, the server stops, {@link #complete()} — every waiting send
 * and every later one fails with {@link StreamClosedException} carrying the {@link CloseReason}, and the
 * {@link #subscriber()}'s subscription is cancelled.
 *
 * <p><b>Threading:</b> every method may be called from any thread; writes happen on the connection's event loop
 * in call order. Stages complete on that loop, never inside the {@code send} call that returned them: keep what
 * runs on them short and non-blocking. A stage's exception is the {@link StreamClosedException} or
 * {@link StreamOverflowException} itself; callers cannot complete or cancel a stage.
 */
public final class SseEmitter {
  private static final Logger LOG = LoggerFactory.getLogger(SseEmitter.class);

  private final Session session;
  private final Channel channel;
  private final ObjectMapper mapper;
  private final long budget;
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final AtomicBoolean completing = new AtomicBoolean();
  private final AtomicBoolean subscribed = new AtomicBoolean();
  private final CopyOnWriteArrayList<Runnable> closeListeners = new CopyOnWriteArrayList<>();
  /** Why the stream ended; {@code null} while open. */
  private volatile CloseReason closed;
  /** Drain runs on the loop; re-entered from a stage's callback it only notes that more came (no recursion). */
  private boolean draining;

  private record Pending(byte[] bytes, Stage done) {}

  /**
   * A send's stage: callers see the exception itself (not wrapped) and cannot complete or cancel it; only the
   * emitter does.
   */
  private static final class Stage extends CompletableFuture<Void> {
    static Stage failed(Throwable t) {
      Stage s = new Stage();
      s.fail(t);
      return s;
    }

    void succeed() {
      super.complete(null);
    }

    void fail(Throwable t) {
      super.completeExceptionally(t);
    }

    @Override
    public boolean complete(Void value) {
      throw new UnsupportedOperationException("livepush completes this stage");
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
      throw new UnsupportedOperationException("livepush completes this stage");
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      return false;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new CompletableFuture<>();
    }
  }

  SseEmitter(Session session, ObjectMapper mapper, long budget) {
    this.session = session;
    this.channel = session.channel();
    this.mapper = mapper;
    this.budget = budget;
    // After the core's session handler (first) has done its own work for the event.
    channel.pipeline().addLast("livepush.sse.emitter", new ChannelInboundHandlerAdapter() {
      @Override
      public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        drain();
        ctx.fireChannelWritabilityChanged();
      }
    });
    channel.closeFuture().addListener(f -> onClosed());
  }

  /**
   * Sends an event without an id; see the class javadoc for when the stage completes or fails. Does not block.
   *
   * @param event the event; not {@code null}
   * @return a stage that completes once the event was handed to the connection within its budget, or fails (see the class javadoc); never {@code null}
   */
  public CompletionStage<Void> send(Event event) {
    return send(null, event);
  }

  /**
   * Sends {@code data} as a text event of type {@code type} ({@code null} for none). Does not block.
   *
   * @param type the event type, or {@code null} for none (see {@link Event#validateType})
   * @param data the text; not {@code null}
   * @return a stage that completes once the event was handed to the connection within its budget, or fails (see the class javadoc); never {@code null}
   * @throws io.livepush.InvalidEventException if {@code type} is invalid or {@code data} has an unpaired surrogate
   */
  public CompletionStage<Void> send(String type, String data) {
    return send(null, Event.text(data).withType(type));
  }

  /**
   * Sends an event with an application-chosen {@code id}, or {@code null} for none. The id is at most
   * {@value SseEncoder#MAX_ID_LENGTH} characters of printable ASCII (U+0020..U+007E): a non-ASCII id such as
   * {@code café} is refused, not encoded, because browsers send it back in the {@code Last-Event-ID} header
   * (see {@link SseEncoder}).
   *
   * @param id the SSE id, or {@code null} for none
   * @param event the event; not {@code null}
   * @return a stage that completes once the event was handed to the connection within its budget, or fails (see the class javadoc); never {@code null}
   * @throws InvalidEventIdException if {@code id} breaks these rules
   * @throws IllegalArgumentException if a JSON payload cannot be serialised
   */
  public CompletionStage<Void> send(String id, Event event) {
    return enqueue(encode(id, event));
  }

  /**
   * Sends a comment (ignored by clients; keeps proxies from timing out). Does not block.
   *
   * @param text the comment; line breaks start new comment lines; not {@code null}
   * @return a stage that completes once the event was handed to the connection within its budget, or fails (see the class javadoc); never {@code null}
   * @throws io.livepush.InvalidEventException if {@code text} has an unpaired surrogate
   */
  public CompletionStage<Void> comment(String text) {
    return enqueue(SseEncoder.comment(text));
  }

  /**
   * Sends {@code event} only if it can be written now: the stream is open, nothing is waiting and the
   * connection is within its budget. Returns whether it was sent; when {@code false}, nothing was queued.
   * Concurrent callers may each get {@code true} for one event over the budget. Does not block.
   *
   * @param event the event; not {@code null}
   * @return {@code true} if the event was sent, {@code false} if nothing was queued
   */
  public boolean trySend(Event event) {
    if (closed != null || completing.get() || !queue.isEmpty() || !channel.isWritable()) {
      return false;
    }
    send(event);
    return true;
  }

  /**
   * Sends {@code event} and waits until it has been handed to the connection within its budget. For virtual
   * threads (or platform threads of your own): it blocks.
   *
   * @param event the event; not {@code null}
   * @throws IllegalStateException on a Netty event loop thread, where blocking would stall every connection of
   *     the loop
   * @throws StreamClosedException if the stream closed before the event could be written
   * @throws StreamOverflowException if too much is already waiting
   * @throws InterruptedException if interrupted while waiting (the event may still be written)
   */
  public void sendAndWait(Event event) throws InterruptedException {
    sendAndWait(null, event);
  }

  /**
   * As {@link #sendAndWait(Event)}, with an id (see {@link #send(String, Event)}). Blocks; never call it on an
   * event loop.
   *
   * @param id the SSE id, or {@code null} for none
   * @param event the event; not {@code null}
   * @throws IllegalStateException on a Netty event loop thread
   * @throws InvalidEventIdException if {@code id} is invalid
   * @throws StreamClosedException if the stream closed before the event could be written
   * @throws StreamOverflowException if too much is already waiting
   * @throws InterruptedException if interrupted while waiting (the event may still be written)
   */
  public void sendAndWait(String id, Event event) throws InterruptedException {
    if (ThreadExecutorMap.currentExecutor() != null) {
      throw new IllegalStateException("sendAndWait blocks: not on an event loop (use send(..) and chain)");
    }
    try {
      send(id, event).toCompletableFuture().get();
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException) {
        throw (RuntimeException) c;
      }
      throw new CompletionException(c);
    }
  }

  /**
   * A {@link Flow.Subscriber} that writes each event it receives, so the publisher is paced by the client: it
   * requests one event at a time, the next as soon as the previous one arrived while the events waiting here
   * are below {@code maxPendingOutboundBytes}, else when written events make room. Demand thus follows bytes,
   * not a count of events: however large the events and however slow the reader, a publisher never overflows
   * the stream, and what waits stays within the budget plus one event. The stream completes when the publisher
   * completes; a publisher error, or an event that cannot be encoded, closes it
   * ({@link CloseReason#INTERNAL_ERROR}, logged). When the stream closes first, the subscription is cancelled.
   * One subscriber per emitter.
   *
   * @return the subscriber, to subscribe to one publisher
   * @throws IllegalStateException if called twice
   */
  public Flow.Subscriber<Event> subscriber() {
    if (!subscribed.compareAndSet(false, true)) {
      throw new IllegalStateException("subscriber() already called for this stream");
    }
    return new Flow.Subscriber<>() {
      private volatile Flow.Subscription subscription;
      /** One event requested and not yet received: at most one is outstanding. */
      private final AtomicBoolean requested = new AtomicBoolean();

      @Override
      public void onSubscribe(Flow.Subscription s) {
        if (subscription != null) {
          s.cancel(); // Reactive Streams §2.5
          return;
        }
        subscription = s;
        onClose(s::cancel);
        requestIfRoom();
      }

      @Override
      public void onNext(Event item) {
        requested.set(false);
        CompletionStage<Void> sent;
        try {
          // not bounded by the overflow check: demand already keeps what waits within the budget plus one event
          sent = enqueue(encode(null, item), false);
        } catch (RuntimeException e) { // Reactive Streams §2.13: onNext returns normally
          stop(e);
          return;
        }
        sent.whenComplete((v, e) -> {
          if (e == null) {
            requestIfRoom();
          } else if (!(e instanceof StreamClosedException)) {
            stop(e);
          }
        });
        requestIfRoom();
      }

      /** Asks for the next event when none is outstanding and what waits here is below the budget. */
      private void requestIfRoom() {
        if (closed == null && !completing.get() && queuedBytes.get() < budget && requested.compareAndSet(false, true)) {
          subscription.request(1);
        }
      }

      private void stop(Throwable e) {
        subscription.cancel();
        LOG.warn("stream {} stopped: {}", SseEmitter.this, e.toString());
        closeWith(CloseReason.INTERNAL_ERROR);
      }

      @Override
      public void onError(Throwable t) {
        LOG.warn("publisher of stream {} failed", SseEmitter.this, t);
        closeWith(CloseReason.INTERNAL_ERROR);
      }

      @Override
      public void onComplete() {
        complete();
      }
    };
  }

  private byte[] encode(String id, Event event) {
    if (id != null) {
      SseEncoder.validateId(id);
    }
    return SseEncoder.event(id, event.type(), event.kind(), payloadBytes(event));
  }

  private byte[] payloadBytes(Event event) {
    byte[] bytes = event.bytes();
    if (bytes != null) {
      return bytes;
    }
    try {
      return mapper.writeValueAsBytes(event.jsonValue());
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot serialise JSON payload", e);
    }
  }

  private CompletionStage<Void> enqueue(byte[] bytes) {
    return enqueue(bytes, true);
  }

  /** @param bounded fail with {@link StreamOverflowException} past the budget (the callers' sends) */
  private CompletionStage<Void> enqueue(byte[] bytes, boolean bounded) {
    CloseReason r = closed;
    if (r != null) {
      return Stage.failed(new StreamClosedException(r));
    }
    if (completing.get()) {
      return Stage.failed(new StreamClosedException(CloseReason.COMPLETED));
    }
    long before = queuedBytes.getAndAdd(bytes.length);
    if (bounded && before > 0 && before + bytes.length > budget) {
      queuedBytes.addAndGet(-bytes.length);
      return Stage.failed(new StreamOverflowException(budget));
    }
    Pending p = new Pending(bytes, new Stage());
    queue.add(p);
    scheduleDrain();
    return p.done;
  }

  /**
   * Never drains inside the caller's {@code send}: its stage must not complete before the caller chains on it,
   * or a chain of sends would recurse (one stack frame per event). Within a drain (a stage callback sending
   * the next event) the running loop picks the event up; otherwise one drain task is queued on the loop.
   */
  private void scheduleDrain() {
    if (channel.eventLoop().inEventLoop() && draining) {
      return;
    }
    if (drainScheduled.compareAndSet(false, true)) {
      try {
        channel.eventLoop().execute(() -> {
          drainScheduled.set(false);
          drain();
        });
      } catch (RejectedExecutionException e) {
        drainScheduled.set(false);
        onClosed();
      }
    }
  }

  /** On the loop: writes waiting events while the connection is writable, completing their stages. */
  private void drain() {
    if (draining) {
      return; // a stage callback sent more: the loop below picks it up
    }
    draining = true;
    boolean wrote = false;
    try {
      for (;;) {
        if (closed != null || !channel.isActive()) {
          failAll();
          return;
        }
        if (!channel.isWritable()) {
          if (wrote) {
            channel.flush();
            wrote = false;
          }
          if (!channel.isWritable()) {
            return; // goes on from channelWritabilityChanged
          }
        }
        Pending p = queue.poll();
        if (p == null) {
          break;
        }
        queuedBytes.addAndGet(-p.bytes.length);
        session.write(channel.alloc().directBuffer(p.bytes.length).writeBytes(p.bytes));
        wrote = true;
        p.done.succeed(); // may send more (re-entering drain returns at once)
      }
      if (completing.get() && queue.isEmpty()) {
        session.close(CloseReason.COMPLETED);
      }
    } finally {
      if (wrote) {
        channel.flush();
      }
      draining = false;
    }
  }

  private void failAll() {
    CloseReason r = closed != null ? closed : CloseReason.CLIENT_CLOSED;
    Pending p;
    while ((p = queue.poll()) != null) {
      queuedBytes.addAndGet(-p.bytes.length);
      p.done.fail(new StreamClosedException(r));
    }
  }

  private void onClosed() {
    if (closed == null) {
      CloseReason r = session.closeReason();
      closed = r != null ? r : CloseReason.CLIENT_CLOSED;
    }
    failAll(); // on the loop, or the loop is gone (shutdown): nothing else drains the queue
    for (Runnable r : closeListeners) {
      if (!closeListeners.remove(r)) {
        continue; // onClose ran it already
      }
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.warn("close listener of {} failed", this, e);
      }
    }
  }

  private void closeWith(CloseReason reason) {
    try {
      channel.eventLoop().execute(() -> session.close(reason));
    } catch (RejectedExecutionException e) {
      channel.close();
    }
  }

  /**
   * Ends the stream once everything sent so far is written; idempotent. Sends after this fail with
   * {@link StreamClosedException} ({@link CloseReason#COMPLETED}).
   */
  public void complete() {
    if (completing.compareAndSet(false, true)) {
      scheduleDrain(); // a drain already scheduled sees completing too
    }
  }

  /**
   * Whether the stream is still open for sends. Safe from any thread; may change right after it returns.
   *
   * @return {@code false} once closed, completing, or the connection is inactive
   */
  public boolean isOpen() {
    return closed == null && !completing.get() && channel.isActive();
  }

  /**
   * Runs {@code listener} when the connection closes, for whatever reason (at once, on the calling thread, if it
   * already has); otherwise on the connection's event loop, so it must not block.
   *
   * @param listener the callback, run at most once; not {@code null}
   */
  public void onClose(Runnable listener) {
    closeListeners.add(listener);
    if (closed != null && closeListeners.remove(listener)) {
      listener.run();
    }
  }

  @Override
  public String toString() {
    return "SseEmitter{" + session.request() + '}';
  }
}
