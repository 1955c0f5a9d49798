package io.livepush.redis;

import static io.livepush.redis.RedisScripts.bytes;
import static io.livepush.redis.RedisScripts.parseLong;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.spi.ClusterPresence;
import io.livepush.spi.EventBus;
import io.livepush.spi.LogBusSupport;
import io.livepush.spi.PresenceExchange;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * A livepush {@link EventBus} on one Redis Stream: several nodes share one log, so every publish reaches the
 * subscribers of every node and a client resumes on any node with the id it holds.
 *
 * <pre>{@code
 * LivePushServer node = LivePushServer.builder()
 *     .transport(SseTransport.builder().route("/live/{room}", "room:{room}").build())
 *     .bus(RedisBus.builder().uri("redis://redis.internal:6379").build())
 *     .build();
 * node.start().join();
 * node.publishAsync("room:1", Event.text("hi"));
 * }</pre>
 *
 * <h2>Design</h2>
 * <ul>
 *   <li><b>One stream, one sequence.</b> A Lua script ({@code EVALSHA}) increments {@code {prefix}:seq}, and
 *       {@code XADD}s the event to {@code {prefix}:log} with stream id {@code <offset>-0} and fields
 *       {@code e} (epoch), {@code t} (topic), {@code y} (type), {@code k} (kind), {@code p} (payload), trimming
 *       with {@code MAXLEN ~}. Offsets are therefore contiguous and cluster-wide for all topics; that keeps the
 *       core's property that one id resumes every topic of a connection.</li>
 *   <li><b>Epoch.</b> {@code {prefix}:epoch} is created (random, 40 bits) by the first script that finds it
 *       missing, which also deletes any stale sequence and stream. Redis losing its data therefore means a new
 *       epoch: clients get {@code reset} (epoch-changed), never a replay of a different history.</li>
 *   <li><b>Reading.</b> Each node reads the stream in order with {@code XREAD BLOCK} on a dedicated connection,
 *       from the last offset it applied, and appends each entry to its local replay log with the cluster id.
 *       After a broken connection it simply continues from that offset, so a blip leaves no hole; entries
 *       trimmed before it read them become a {@link EventBus.Sink#gap gap} (reset too-old). An idle read
 *       (every {@link RedisBusConfig#pollInterval()}) and every reconnect re-check the epoch.</li>
 *   <li><b>History.</b> A resume older than the node's local log reads {@code XRANGE} over the range (at most
 *       {@link RedisBusConfig#maxBackfillEvents()} entries) and keeps the requested topics.</li>
 *   <li><b>Redis Cluster.</b> Every key carries the hash tag {@code {prefix}}, so they live in one slot on one
 *       shard: the single sequence needs it. Use several prefixes (several livepush clusters) to spread load.</li>
 * </ul>
 *
 * <h2>Failures</h2>
 * Connections never reconnect on their own (Lettuce at-most-once mode), so a command is never silently
 * re-sent: a publish that could not be sent fails fast with {@link RedisBusException}, and the next publish
 * connects again. The reader reconnects with backoff ({@link RedisBusConfig#minReconnectDelay()} doubling up
 * to {@link RedisBusConfig#maxReconnectDelay()}). Connected clients stay connected throughout.
 *
 * <h2>Threads</h2>
 * Nothing blocks: all Redis calls are asynchronous and continue on Lettuce's I/O threads. One instance serves
 * one server.
 */
public final class RedisBus implements EventBus {
  private final RedisBusConfig config;
  private final byte[][] logKeys;
  private final byte[] maxLen;
  /** This node in the presence registry: random, so a restarted node never inherits a dead one's members. */
  private final String nodeId = LogBusSupport.newNodeId();
  private final RedisConnections connections;
  private final AtomicBoolean started = new AtomicBoolean();
  private final LongAdder historyReads = new LongAdder();
  private volatile RedisStreamReader reader;
  private volatile PresenceExchange presence;
  private RedisPresence presenceStore;
  private CompletionStage<Void> stopping;

  private RedisBus(RedisBusConfig config) {
    this.config = config;
    this.logKeys = new byte[][] {bytes(config.key("epoch")), bytes(config.key("seq")), bytes(config.key("log"))};
    this.maxLen = bytes(Long.toString(config.maxStreamLength()));
    this.connections = new RedisConnections(config);
  }

  /**
   * A builder with every default from {@link RedisBusConfig}.
   *
   * @return a new builder, without a URI
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The configuration this bus was built with.
   *
   * @return the immutable configuration
   */
  public RedisBusConfig config() {
    return config;
  }

  /**
   * How many resumes read history from Redis (their range was older than the node's local log). Safe from any
   * thread.
   *
   * @return the count since the bus was built, &ge; 0
   */
  public long historyReads() {
    return historyReads.sum();
  }

  // ---- EventBus ------------------------------------------------------------------------------------------

  @Override
  public CompletionStage<Void> start(Sink sink) {
    Objects.requireNonNull(sink, "sink");
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("a RedisBus serves one server and starts once");
    }
    reader = new RedisStreamReader(config, connections, logKeys, sink, topic -> {
      PresenceExchange p = presence;
      if (p != null) {
        p.read(topic);
      }
    });
    return reader.start().minimalCompletionStage();
  }

  @Override
  public CompletionStage<EventId> publish(String topic, String type, Event.Kind kind, byte[] payload) {
    if (connections.stopped()) {
      return CompletableFuture.failedFuture(RedisConnections.stoppedException());
    }
    PresenceExchange p = presence;
    if (p != null) {
      // This node's members changed: store them before the event reaches the stream, so a node that syncs
      // on reading the event already finds them (same connection, so Redis runs the two in this order).
      p.publishing(topic);
    }
    byte[][] args = {
        bytes(Long.toString(LogBusSupport.newEpoch())), maxLen, bytes(topic), type == null ? new byte[0] : bytes(type),
        bytes(kind.name()), payload};
    return connections.commands.get()
        .thenCompose(c -> RedisScripts.PUBLISH_SCRIPT.run(c, logKeys, args))
        .handle((reply, error) -> {
          if (error != null) {
            throw RedisScripts.fail("publish to " + topic, error);
          }
          return EventId.of(parseLong(reply.get(0)), parseLong(reply.get(1)));
        });
  }

  /** Backfill: {@code XRANGE (after+1)-0 upTo-0}, which must hold every offset of the range. */
  @Override
  public CompletionStage<History> history(Collection<String> topics, EventId after, EventId upTo) {
    History answer = LogBusSupport.answerWithoutReading(after, upTo, config.maxBackfillEvents());
    if (answer != null) {
      return CompletableFuture.completedFuture(answer);
    }
    historyReads.increment();
    long count = upTo.offset() - after.offset();
    Range<String> range = Range.create((after.offset() + 1) + "-0", upTo.offset() + "-0");
    return connections.commands.get()
        .thenCompose(c -> c.xrange(logKeys[2], range, Limit.from(count)).toCompletableFuture())
        .handle((messages, error) -> {
          if (error != null) {
            throw RedisScripts.fail("history read", error);
          }
          var collector = new LogBusSupport.HistoryCollector(topics, after, upTo, true);
          for (StreamMessage<byte[], byte[]> m : messages) {
            if (!collector.add(RedisEntry.parse(m))) {
              break;
            }
          }
          return collector.result();
        });
  }

  /**
   * Sends {@code PING} on the bus's command connection (connecting it if needed). Fails fast, with a
   * {@link RedisBusException}, when Redis is unreachable or the bus stopped; bounded by the command timeout.
   */
  @Override
  public CompletionStage<Void> ping() {
    return connections.commands.get()
        .thenCompose(c -> c.ping().toCompletableFuture())
        .handle((pong, error) -> {
          if (error != null) {
            throw RedisScripts.fail("ping", error);
          }
          return null;
        });
  }

  @Override
  public boolean startPresence(ClusterPresence clusterPresence) {
    Objects.requireNonNull(clusterPresence, "presence");
    clusterPresence.nodeId(nodeId);
    presenceStore = new RedisPresence(config, connections, nodeId);
    PresenceExchange p = new PresenceExchange(clusterPresence, connections.scheduler(), config.presenceInterval(),
        presenceStore::sync);
    presence = p;
    p.start();
    return true;
  }

  @Override
  public synchronized CompletionStage<Void> stop() {
    if (stopping != null) {
      return stopping;
    }
    PresenceExchange p = presence;
    // Leave our members for another node to reap (and announce their leaves) at its next sync; bounded by the
    // command timeout, failures only delay that to the expiry.
    CompletableFuture<Void> departed = p == null || p.paused() ? CompletableFuture.completedFuture(null)
        : presenceStore.depart(p.presence().localMembers());
    stopping = departed.thenCompose(v -> {
      if (p != null) {
        p.stop();
      }
      RedisStreamReader r = reader;
      CompletableFuture<Void> closed = connections.close();
      if (r != null) {
        r.stopped();
      }
      return closed;
    });
    return stopping;
  }

  /**
   * For tests: this node stops announcing its presence members without departing, as if it had crashed, so the
   * other nodes drop them after the expiry.
   */
  void pausePresence() {
    presence.pause();
  }

  /**
   * Builds a {@link RedisBus}. Setters validate eagerly and throw {@link IllegalArgumentException} with the shape
   * {@code "name: value (expected: ...)"}.
   */
  public static final class Builder {
    RedisURI uri;
    boolean cluster;
    String keyPrefix = RedisBusConfig.DEFAULT_KEY_PREFIX;
    long maxStreamLength = RedisBusConfig.DEFAULT_MAX_STREAM_LENGTH;
    int maxBackfillEvents = RedisBusConfig.DEFAULT_MAX_BACKFILL_EVENTS;
    Duration commandTimeout = RedisBusConfig.DEFAULT_COMMAND_TIMEOUT;
    Duration pollInterval = RedisBusConfig.DEFAULT_POLL_INTERVAL;
    Duration minReconnectDelay = RedisBusConfig.DEFAULT_MIN_RECONNECT_DELAY;
    Duration maxReconnectDelay = RedisBusConfig.DEFAULT_MAX_RECONNECT_DELAY;
    int readBatch = RedisBusConfig.DEFAULT_READ_BATCH;
    Duration presenceInterval = RedisBusConfig.DEFAULT_PRESENCE_INTERVAL;
    Duration presenceExpiry = RedisBusConfig.DEFAULT_PRESENCE_EXPIRY;

    private Builder() {}

    /**
     * Where Redis is, in Lettuce's URI syntax: {@code redis://[password@]host[:port][/db]}, {@code rediss://} for
     * TLS, {@code redis-sentinel://host1:26379,host2:26379/#mymaster} for Sentinel. Required.
     *
     * @param uri the URI text; not {@code null}
     * @return this builder
     * @throws NullPointerException if {@code uri} is {@code null}
     * @throws IllegalArgumentException if Lettuce cannot parse it
     */
    public Builder uri(String uri) {
      Objects.requireNonNull(uri, "uri");
      try {
        return uri(RedisURI.create(uri));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("uri: (unparseable, " + e.getMessage()
            + ") (expected: redis://host:port, rediss://..., redis-sentinel://host:port/#master)");
      }
    }

    /**
     * Where Redis is, as a Lettuce {@link RedisURI}; it is copied.
     *
     * @param uri the URI; not {@code null}
     * @return this builder
     * @throws NullPointerException if {@code uri} is {@code null}
     */
    public Builder uri(RedisURI uri) {
      Objects.requireNonNull(uri, "uri");
      this.uri = RedisURI.builder(uri).build();
      return this;
    }

    /**
     * Whether {@link #uri} is a seed node of a Redis Cluster; default {@code false}.
     *
     * @param cluster {@code true} for Redis Cluster
     * @return this builder
     */
    public Builder cluster(boolean cluster) {
      this.cluster = cluster;
      return this;
    }

    /**
     * Key prefix and hash tag; default {@value RedisBusConfig#DEFAULT_KEY_PREFIX}. Nodes with the same prefix
     * form one livepush cluster.
     *
     * @param prefix 1 to 64 characters of {@code [A-Za-z0-9_.:-]}
     * @return this builder
     * @throws NullPointerException if {@code prefix} is {@code null}
     * @throws IllegalArgumentException if {@code prefix} is empty, longer than 64 or has another character
     */
    public Builder keyPrefix(String prefix) {
      Objects.requireNonNull(prefix, "keyPrefix");
      if (prefix.isEmpty() || prefix.length() > 64 || !prefix.matches("[A-Za-z0-9_.:-]+")) {
        throw new IllegalArgumentException("keyPrefix: \"" + prefix.replaceAll("[^ -~]", "?")
            + "\" (expected: 1..64 of [A-Za-z0-9_.:-])");
      }
      this.keyPrefix = prefix;
      return this;
    }

    /**
     * Approximate bound on the stream ({@code XADD MAXLEN ~}); default 100 000 events.
     *
     * @param n events, &ge; 1; Redis may keep somewhat more (approximate trimming)
     * @return this builder
     * @throws IllegalArgumentException if {@code n} is below 1
     */
    public Builder maxStreamLength(long n) {
      this.maxStreamLength = LogBusSupport.atLeast("maxStreamLength", n, 1);
      return this;
    }

    /**
     * Most events one resume reads back from Redis; default 10 000. A longer range gets a {@code too-old} reset.
     *
     * @param n events, &ge; 0; {@code 0} never reads history from Redis
     * @return this builder
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public Builder maxBackfillEvents(int n) {
      this.maxBackfillEvents = LogBusSupport.atLeast("maxBackfillEvents", n, 0);
      return this;
    }

    /**
     * Timeout of one command and of connecting; default 2 s.
     *
     * @param timeout positive; not {@code null}
     * @return this builder
     * @throws NullPointerException if {@code timeout} is {@code null}
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public Builder commandTimeout(Duration timeout) {
      this.commandTimeout = LogBusSupport.positive("commandTimeout", timeout);
      return this;
    }

    /**
     * {@code XREAD BLOCK} time, also the idle epoch check period; default 1 s.
     *
     * @param interval at least 1 ms; not {@code null}
     * @return this builder
     * @throws NullPointerException if {@code interval} is {@code null}
     * @throws IllegalArgumentException if {@code interval} is shorter than 1 ms
     */
    public Builder pollInterval(Duration interval) {
      this.pollInterval = LogBusSupport.atLeastOneMilli("pollInterval", interval);
      return this;
    }

    /**
     * Reader reconnect backoff: first and longest delay; defaults 50 ms and 2 s.
     *
     * @param min the first delay, positive; not {@code null}
     * @param max the longest delay, &ge; {@code min}; not {@code null}
     * @return this builder
     * @throws NullPointerException if either is {@code null}
     * @throws IllegalArgumentException if either is not positive or {@code max} is shorter than {@code min}
     */
    public Builder reconnectDelay(Duration min, Duration max) {
      LogBusSupport.positive("minReconnectDelay", min);
      LogBusSupport.positive("maxReconnectDelay", max);
      if (max.compareTo(min) < 0) {
        throw new IllegalArgumentException("maxReconnectDelay: " + max + " (expected: >= " + min + ")");
      }
      this.minReconnectDelay = min;
      this.maxReconnectDelay = max;
      return this;
    }

    /**
     * Cluster-wide presence: every {@code interval} a node re-announces its members with an expiry of
     * {@code expiry} and reads the other live nodes'; a node silent for {@code expiry} (crashed, cut off) has its
     * members dropped and their {@code presence.leave} announced by one other node. Defaults 2 s and 10 s.
     *
     * @param interval how often a node re-announces its members, positive; not {@code null}
     * @param expiry how long an announcement lasts, at least twice {@code interval}; not {@code null}
     * @return this builder
     * @throws NullPointerException if either is {@code null}
     * @throws IllegalArgumentException if either is not positive or {@code expiry} is under 2 x {@code interval}
     */
    public Builder presenceInterval(Duration interval, Duration expiry) {
      LogBusSupport.presenceTimes(interval, expiry);
      this.presenceInterval = interval;
      this.presenceExpiry = expiry;
      return this;
    }

    /**
     * Most entries one {@code XREAD} returns; default 512.
     *
     * @param n entries, &ge; 1
     * @return this builder
     * @throws IllegalArgumentException if {@code n} is below 1
     */
    public Builder readBatch(int n) {
      this.readBatch = LogBusSupport.atLeast("readBatch", n, 1);
      return this;
    }

    /**
     * Builds the bus (not connected: the server connects it on start).
     *
     * @return a new bus, for one server
     * @throws IllegalStateException if no {@link #uri} was given
     */
    public RedisBus build() {
      if (uri == null) {
        throw new IllegalStateException("uri: none (expected: e.g. redis://localhost:6379)");
      }
      return new RedisBus(new RedisBusConfig(this));
    }
  }
}
