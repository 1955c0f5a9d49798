package io.livepush.redis;

import static io.livepush.redis.RedisScripts.bytes;
import static io.livepush.redis.RedisScripts.parseLong;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.livepush.EventId;
import io.livepush.spi.EventBus;
import io.livepush.spi.LogBusSupport;
import io.livepush.spi.LogFollower;
import io.livepush.spi.PublishedEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream reader: one {@code XREAD BLOCK} chain on a dedicated connection, from the last offset applied, each
 * entry handed to a {@link LogFollower}. A broken connection reconnects with backoff and continues from that
 * offset (the stream backfills the hole); every reconnect and every idle read run the init script, which notices
 * a lost or rewound Redis as a new epoch. The chain runs one step at a time on Lettuce's threads.
 */
final class RedisStreamReader {
  private static final Logger LOG = LoggerFactory.getLogger(RedisStreamReader.class);

  private final RedisBusConfig config;
  private final RedisConnections connections;
  private final byte[][] keys;
  private final LogFollower follower;
  private final Consumer<String> onRead;
  private final LogBusSupport.Backoff backoff;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();

  /** @param onRead told the topic of every event applied (presence refresh) */
  RedisStreamReader(RedisBusConfig config, RedisConnections connections, byte[][] keys, EventBus.Sink sink,
      Consumer<String> onRead) {
    this.config = config;
    this.connections = connections;
    this.keys = keys;
    this.follower = new LogFollower(sink, true, "redis bus");
    this.onRead = onRead;
    this.backoff = new LogBusSupport.Backoff(config.minReconnectDelay(), config.maxReconnectDelay());
  }

  /** Connects and joins; completes once the node's log was rebased onto the stream, or fails if unreachable. */
  CompletableFuture<Void> start() {
    connect(true);
    return ready;
  }

  void stopped() {
    ready.completeExceptionally(RedisConnections.stoppedException());
  }

  /** (Re)connects, reconciles the epoch, then polls. {@code first}: the start of the bus. */
  private void connect(boolean first) {
    if (connections.stopped()) {
      return;
    }
    connections.reader.get()
        .thenCompose(c -> RedisScripts.INIT_SCRIPT.run(c, keys, initArgs()))
        .whenComplete((reply, error) -> {
          if (error != null) {
            if (first) {
              ready.completeExceptionally(RedisScripts.fail(
                  "connecting to Redis at " + RedisBusConfig.describe(config.uri()), error));
            } else {
              retry(error);
            }
            return;
          }
          try {
            long e = parseLong(reply.get(0));
            long seq = parseLong(reply.get(1));
            if (first) {
              follower.rebase(EventId.of(e, seq));
              ready.complete(null);
            } else if (e != follower.epoch()) {
              follower.rebase(EventId.of(e, 0)); // Redis lost its data: the new stream from its start
            }
            backoff.reset();
            poll();
          } catch (RuntimeException ex) {
            retry(ex);
          }
        });
  }

  private void poll() {
    if (connections.stopped()) {
      return;
    }
    RedisClusterAsyncCommands<byte[], byte[]> c = connections.reader.current();
    if (c == null) {
      retry(new RedisBusException("reader connection closed", null));
      return;
    }
    XReadArgs args = XReadArgs.Builder.block(config.pollInterval().toMillis()).count(config.readBatch());
    c.xread(args, XReadArgs.StreamOffset.from(keys[2], follower.last() + "-0")).whenComplete((messages, error) -> {
      if (error != null) {
        retry(error);
        return;
      }
      try {
        if (messages == null || messages.isEmpty()) {
          checkEpoch(c);
        } else if (apply(messages)) {
          poll();
        }
      } catch (RuntimeException ex) {
        retry(ex);
      }
    });
  }

  /** Applies a batch in order; returns {@code false} if it handed control elsewhere (an epoch change). */
  private boolean apply(List<StreamMessage<byte[], byte[]>> messages) {
    for (StreamMessage<byte[], byte[]> m : messages) {
      PublishedEvent e = RedisEntry.parse(m);
      LogFollower.Applied applied = follower.apply(e);
      if (applied == LogFollower.Applied.FOREIGN_EPOCH) {
        // Redis restarted without its data and this node missed the moment: re-read the new stream from its
        // start after the reset (the init script confirms the new epoch).
        connect(false);
        return false;
      }
      if (applied == LogFollower.Applied.APPLIED) {
        onRead.accept(e.topic());
      }
    }
    return true;
  }

  private byte[][] initArgs() {
    long epoch = follower.epoch();
    return new byte[][] {
        bytes(Long.toString(LogBusSupport.newEpoch())), bytes(epoch < 0 ? "" : Long.toString(epoch)),
        bytes(Long.toString(follower.last()))};
  }

  /** On an idle read: has Redis lost its data or gone back in time? Both show up as another epoch. */
  private void checkEpoch(RedisClusterAsyncCommands<byte[], byte[]> c) {
    RedisScripts.INIT_SCRIPT.run(c, keys, initArgs()).whenComplete((reply, error) -> {
      if (error != null) {
        retry(error);
        return;
      }
      try {
        long e = parseLong(reply.get(0));
        if (e != follower.epoch()) {
          follower.rebase(EventId.of(e, 0));
        }
        poll();
      } catch (RuntimeException ex) {
        retry(ex);
      }
    });
  }

  private void retry(Throwable error) {
    if (connections.stopped()) {
      return;
    }
    long delay = backoff.nextNanos();
    LOG.warn("redis bus reader failed ({}); retrying in {} ms", LogBusSupport.describe(error),
        TimeUnit.NANOSECONDS.toMillis(delay));
    connections.reader.close();
    connections.scheduler().schedule(() -> connect(false), delay, TimeUnit.NANOSECONDS);
  }
}
