package io.livepush.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Connection setup: the Lettuce client (standalone/Sentinel or Cluster) in at-most-once mode — no
 * auto-reconnect, commands rejected while disconnected, so Lettuce never re-sends a publish behind the caller's
 * back — and the bus's two connections (commands, and the blocking stream reader).
 */
final class RedisConnections {
  private final RedisBusConfig config;
  private final RedisClient client;
  private final RedisClusterClient clusterClient;
  private volatile boolean stopped;
  /** Publishes, history reads, presence scripts. */
  final Link commands = new Link("commands");
  /** The stream reader's blocking {@code XREAD}s. */
  final Link reader = new Link("reader");

  RedisConnections(RedisBusConfig config) {
    this.config = config;
    long timeout = config.commandTimeout().toNanos();
    long blockTimeout = timeout + config.pollInterval().toNanos();
    TimeoutOptions timeouts = TimeoutOptions.builder().timeoutSource(new TimeoutOptions.TimeoutSource() {
      @Override
      public long getTimeout(RedisCommand<?, ?, ?> command) {
        // A blocking read legitimately waits for the poll interval before Redis answers.
        return command.getType() == CommandType.XREAD ? blockTimeout : timeout;
      }
    }).build();
    config.uri().setTimeout(config.commandTimeout());
    if (config.cluster()) {
      this.client = null;
      this.clusterClient = RedisClusterClient.create(config.uri());
      clusterClient.setOptions(ClusterClientOptions.builder()
          .autoReconnect(false)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .timeoutOptions(timeouts)
          .build());
    } else {
      this.clusterClient = null;
      this.client = RedisClient.create(config.uri());
      client.setOptions(ClientOptions.builder()
          .autoReconnect(false) // at-most-once: never re-send a publish behind the caller's back
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .timeoutOptions(timeouts)
          .build());
    }
  }

  boolean stopped() {
    return stopped;
  }

  /** Lettuce's scheduler threads, for timers and retries. */
  ScheduledExecutorService scheduler() {
    return client != null ? client.getResources().eventExecutorGroup()
        : clusterClient.getResources().eventExecutorGroup();
  }

  /** Closes both connections and shuts the client down; never fails. */
  CompletableFuture<Void> close() {
    stopped = true;
    CompletableFuture<Void> a = commands.close();
    CompletableFuture<Void> b = reader.close();
    return CompletableFuture.allOf(a, b).handle((v, e) -> null)
        .thenCompose(v -> client != null ? client.shutdownAsync(0, 2, TimeUnit.SECONDS)
            : clusterClient.shutdownAsync(0, 2, TimeUnit.SECONDS))
        .handle((v, e) -> (Void) null);
  }

  static RedisBusException stoppedException() {
    return new RedisBusException("bus stopped", null);
  }

  /**
   * One connection that never reconnects by itself: {@link #get()} reuses it while open and otherwise connects
   * anew (one attempt at a time), so a dead Redis fails each caller fast instead of queueing commands.
   */
  final class Link {
    private final String name;
    private StatefulConnection<byte[], byte[]> connection;
    private RedisClusterAsyncCommands<byte[], byte[]> async;
    private CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> connecting;

    Link(String name) {
      this.name = name;
    }

    synchronized RedisClusterAsyncCommands<byte[], byte[]> current() {
      return connection != null && connection.isOpen() ? async : null;
    }

    synchronized CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> get() {
      if (stopped) {
        return CompletableFuture.failedFuture(stoppedException());
      }
      if (connection != null && connection.isOpen()) {
        return CompletableFuture.completedFuture(async);
      }
      if (connecting != null) {
        return connecting;
      }
      if (connection != null) {
        connection.closeAsync();
        connection = null;
      }
      CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> f = connect().thenApply(conn -> {
        synchronized (this) {
          connecting = null;
          if (stopped) {
            conn.closeAsync();
            throw stoppedException();
          }
          connection = conn;
          async = conn instanceof StatefulRedisClusterConnection
              ? ((StatefulRedisClusterConnection<byte[], byte[]>) conn).async()
              : ((StatefulRedisConnection<byte[], byte[]>) conn).async();
          return async;
        }
      });
      f.whenComplete((c, e) -> {
        if (e != null) {
          synchronized (this) {
            connecting = null;
          }
        }
      });
      if (!f.isDone()) {
        connecting = f;
      }
      return f;
    }

    private CompletableFuture<StatefulConnection<byte[], byte[]>> connect() {
      if (client != null) {
        return client.connectAsync(ByteArrayCodec.INSTANCE, config.uri()).toCompletableFuture()
            .thenApply(c -> (StatefulConnection<byte[], byte[]>) c);
      }
      return clusterClient.connectAsync(ByteArrayCodec.INSTANCE)
          .thenApply(c -> (StatefulConnection<byte[], byte[]>) c);
    }

    synchronized CompletableFuture<Void> close() {
      StatefulConnection<byte[], byte[]> c = connection;
      connection = null;
      async = null;
      return c == null ? CompletableFuture.completedFuture(null) : c.closeAsync();
    }

    @Override
    public String toString() {
      return "Link{" + name + '}';
    }
  }
}
