package io.livepush;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.internal.Hub;
import io.livepush.internal.ServerContext;
import io.livepush.spi.EventBus;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * {@link LivePushServer#publish} and {@link LivePushServer#publishAsync}: validation (topic, running server,
 * payload size), then the local log or the bus. Any thread.
 */
final class Publishing implements ServerContext.Publisher {
  private final LivePushConfig config;
  /** The running server's hub, {@code null} unless the server is started. */
  private final Supplier<Hub> running;

  Publishing(LivePushConfig config, Supplier<Hub> running) {
    this.config = config;
    this.running = running;
  }

  /** See {@link LivePushServer#publish}. */
  @Override
  public EventId publish(String topic, Event event) {
    if (config.bus() != null) {
      if (Thread.currentThread() instanceof FastThreadLocalThread) {
        // Netty and Lettuce threads: waiting for the bus here would stall (or deadlock) an event loop.
        throw new IllegalStateException("publish() waits for the bus and must not run on an event loop; "
            + "use publishAsync()");
      }
      try {
        return publishAsync(topic, event).join();
      } catch (CompletionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException) {
          throw (RuntimeException) cause;
        }
        throw new LivePushException("publish failed: " + cause, 503);
      }
    }
    return publishLocal(topic, event);
  }

  /** See {@link LivePushServer#publishAsync}. */
  @Override
  public CompletableFuture<EventId> publishAsync(String topic, Event event) {
    EventBus bus = config.bus();
    if (bus == null) {
      return CompletableFuture.completedFuture(publishLocal(topic, event)).copy();
    }
    Hub h = running.get();
    byte[] payload = checkedPayload(topic, event, h);
    long started = System.nanoTime();
    return bus.publish(topic, event.type(), event.kind(), payload).toCompletableFuture()
        .whenComplete((id, e) -> h.stats().busPublish(System.nanoTime() - started, e != null)).copy();
  }

  private EventId publishLocal(String topic, Event event) {
    Hub h = running.get();
    byte[] payload = checkedPayload(topic, event, h);
    return h.publish(topic, event.type(), event.kind(), payload);
  }

  /** Validates a publish (topic, running server, payload size) and returns the payload bytes. */
  private byte[] checkedPayload(String topic, Event event, Hub hub) {
    Topics.validateForPublish(topic); // companions (topic~presence) belong to livepush
    Objects.requireNonNull(event, "event");
    if (hub == null) {
      throw new IllegalStateException("server is not running");
    }
    byte[] payload = payloadBytes(event, config.objectMapper());
    if (payload.length > config.maxEventBytes()) {
      throw new InvalidEventException("payload is " + payload.length + " bytes (expected: <= "
          + config.maxEventBytes() + ")");
    }
    return payload;
  }

  static byte[] payloadBytes(Event event, ObjectMapper mapper) {
    byte[] bytes = event.bytesUnsafe();
    if (bytes != null) {
      return bytes;
    }
    try {
      return mapper.writeValueAsBytes(event.jsonValue());
    } catch (JsonProcessingException e) {
      throw new InvalidEventException("cannot serialise JSON payload: " + e.getOriginalMessage());
    }
  }
}
