package io.livepush.internal;

import io.livepush.EventId;
import io.livepush.LivePushException;
import io.livepush.spi.EventBus;
import io.netty.channel.Channel;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;

/**
 * Resume by time: turns a time into per-topic resume positions, from the bus when the server has one
 * ({@link EventBus#positionAt}), else from the in-memory log ({@link ReplayLog#positionAt}, whose entries carry
 * their publish time on the server's monotonic clock). A time after now is "live from now".
 */
final class TimePositions {
  /** Ages beyond this are clamped: the log's monotonic clock compares by subtraction. */
  private static final long MAX_AGE_NANOS = Duration.ofDays(365L * 100).toNanos();

  private TimePositions() {}

  /**
   * The positions on {@code channel}'s loop. Fails with
   * {@link LivePushException} 400 when the bus cannot look up times, with the bus's own exception when it fails,
   * with {@link ClosedChannelException} when the channel closed meanwhile.
   */
  static CompletionStage<Map<String, EventId>> lookup(Hub hub, Channel channel, Collection<String> topics,
      Instant time) {
    Instant now = Instant.now();
    if (time.isAfter(now)) {
      return CompletableFuture.completedFuture(all(topics, null));
    }
    EventBus bus = hub.bus();
    if (bus == null) {
      long age = Math.min(Duration.between(time, now).toNanos(), MAX_AGE_NANOS);
      ReplayLog log = hub.log;
      long at = hub.nanoTime() - age;
      LinkedHashMap<String, EventId> out = new LinkedHashMap<>();
      log.lock();
      try {
        for (String t : topics) {
          out.put(t, log.positionAt(t, at));
        }
      } finally {
        log.unlock();
      }
      return CompletableFuture.completedFuture(out);
    }
    CompletableFuture<Map<String, EventId>> result = new CompletableFuture<>();
    // Reading is the caller's: a stream request pauses it (StreamRequests.admitAt), a WebSocket session handles
    // its messages one at a time and keeps its own backpressure.
    bus.positionAt(time).whenComplete((id, e) -> {
      try {
        channel.eventLoop().execute(() -> {
          if (e != null) {
            result.completeExceptionally(failure(e));
          } else if (!channel.isActive()) {
            result.completeExceptionally(new ClosedChannelException());
          } else {
            result.complete(all(topics, id));
          }
        });
      } catch (RejectedExecutionException stopped) {
        result.completeExceptionally(new ClosedChannelException()); // the loop is gone: the server stopped
      }
    });
    return result;
  }

  private static Throwable failure(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof UnsupportedOperationException) {
      return new LivePushException("this server's log cannot resume by time; resume by id", 400);
    }
    return cause;
  }

  private static Map<String, EventId> all(Collection<String> topics, EventId position) {
    LinkedHashMap<String, EventId> out = new LinkedHashMap<>();
    for (String t : topics) {
      out.put(t, position);
    }
    return out;
  }
}
