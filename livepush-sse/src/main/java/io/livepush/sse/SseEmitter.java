package io.livepush.sse;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.CloseReason;
import io.livepush.Event;
import io.livepush.InvalidEventIdException;
import io.livepush.spi.Session;
import io.netty.channel.Channel;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes an application-driven SSE response (see {@link SseStreamHandler}). Thread-safe: every method may be
 * called from any thread; writes hop to the connection's event loop in call order.
 *
 * <h2>Bound</h2>
 * Bytes handed to {@link #send} but not yet accepted by the connection are capped at the server's
 * {@code maxPendingOutboundBytes}. Past that, or while the connection is over its outbound budget,
 * {@code send} returns {@code false} and drops the event: slow down, or {@link #complete()}.
 */
public final class SseEmitter {
  private final Session session;
  private final Channel channel;
  private final ObjectMapper mapper;
  private final long budget;
  private final AtomicLong queued = new AtomicLong();
  private final AtomicBoolean completed = new AtomicBoolean();
  private final CopyOnWriteArrayList<Runnable> closeListeners = new CopyOnWriteArrayList<>();

  SseEmitter(Session session, ObjectMapper mapper, long budget) {
    this.session = session;
    this.channel = session.channel();
    this.mapper = mapper;
    this.budget = budget;
    channel.closeFuture().addListener(f -> {
      completed.set(true);
      for (Runnable r : closeListeners) {
        r.run();
      }
    });
  }

  /** Sends an event without an id. Returns {@code false} if it was dropped (closed, or over the bound). */
  public boolean send(Event event) {
    return send(null, event);
  }

  /** Sends {@code data} as a text event of type {@code type} ({@code null} for none). */
  public boolean send(String type, String data) {
    return send(null, Event.text(data).withType(type));
  }

  /**
   * Sends an event with an application-chosen {@code id}, or {@code null} for none. The id is at most
   * {@value SseEncoder#MAX_ID_LENGTH} characters of printable ASCII (U+0020..U+007E): a non-ASCII id such as
   * {@code café} is refused, not encoded, because browsers send it back in the {@code Last-Event-ID} header
   * (see {@link SseEncoder}). Returns {@code false} if the event was dropped (closed, or over the bound).
   *
   * @throws InvalidEventIdException if {@code id} breaks these rules
   */
  public boolean send(String id, Event event) {
    if (id != null) {
      SseEncoder.validateId(id);
    }
    byte[] payload = payloadBytes(event);
    return enqueue(SseEncoder.event(id, event.type(), event.kind(), payload));
  }

  /** Sends a comment (ignored by clients; keeps proxies from timing out). */
  public boolean comment(String text) {
    return enqueue(SseEncoder.comment(text));
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

  private boolean enqueue(byte[] bytes) {
    if (completed.get() || !channel.isWritable()) {
      return false;
    }
    long after = queued.addAndGet(bytes.length);
    if (after > budget) {
      queued.addAndGet(-bytes.length);
      return false;
    }
    channel.eventLoop().execute(() -> {
      queued.addAndGet(-bytes.length);
      if (!channel.isActive()) {
        return;
      }
      session.write(channel.alloc().directBuffer(bytes.length).writeBytes(bytes));
      session.flush();
    });
    return true;
  }

  /** Ends the stream once everything sent so far is written; idempotent. */
  public void complete() {
    if (!completed.compareAndSet(false, true)) {
      return;
    }
    channel.eventLoop().execute(() -> session.close(CloseReason.COMPLETED));
  }

  /** Whether the stream is still open for {@link #send}. */
  public boolean isOpen() {
    return !completed.get() && channel.isActive();
  }

  /** Runs {@code listener} (on the event loop) when the connection closes, for whatever reason. */
  public void onClose(Runnable listener) {
    closeListeners.add(listener);
    if (!channel.isOpen()) {
      channel.eventLoop().execute(listener);
    }
  }

  @Override
  public String toString() {
    return "SseEmitter{" + session.request() + '}';
  }
}
