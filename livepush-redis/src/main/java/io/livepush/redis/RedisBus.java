package io.livepush.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.api.StatefulRedisConnection;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.ResetReason;
import io.livepush.Presence;
import io.livepush.spi.ClusterPresence;
import io.livepush.spi.EventBus;
import io.livepush.spi.PublishedEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
  private static final Logger LOG = LoggerFactory.getLogger(RedisBus.class);

  /**
   * KEYS: epoch, seq, log. ARGV: candidate epoch, the epoch the caller is in ("" if none), the last offset it
   * applied. Returns {epoch, seq}. A counter behind what a node already applied in the same epoch means Redis went
   * back in time (failover to a replica that missed writes): offsets would be re-used, so the epoch is replaced.
   */
  static final String INIT_SCRIPT = """
      local epoch = redis.call('GET', KEYS[1])
      local seq = tonumber(redis.call('GET', KEYS[2]) or '0')
      if epoch and epoch == ARGV[2] and seq < tonumber(ARGV[3]) then
        epoch = false
      end
      if not epoch then
        redis.call('DEL', KEYS[2], KEYS[3])
        redis.call('SET', KEYS[1], ARGV[1])
        epoch = ARGV[1]
        seq = 0
      end
      return {epoch, seq}
      """;

  /** KEYS: epoch, seq, log. ARGV: candidate epoch, maxlen, topic, type, kind, payload. Returns {epoch, offset}. */
  static final String PUBLISH_SCRIPT = """
      local epoch = redis.call('GET', KEYS[1])
      if not epoch then
        redis.call('DEL', KEYS[2], KEYS[3])
        redis.call('SET', KEYS[1], ARGV[1])
        epoch = ARGV[1]
      end
      local offset = redis.call('INCR', KEYS[2])
      redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], offset .. '-0',
          'e', epoch, 't', ARGV[3], 'y', ARGV[4], 'k', ARGV[5], 'p', ARGV[6])
      return {epoch, offset}
      """;

  /**
   * Cluster-wide presence, one atomic step. KEYS: the node registry (sorted set node -> expiry, ms of Redis
   * time), this node's member hash. ARGV: member-hash key prefix, node id, expiry ms, mode ("sync" or "depart"),
   * then field/value pairs (this node's members). Writes this node's members, registers it until now + expiry
   * ("depart": as already expired, so the next sync of another node reaps it), then reaps every expired node
   * (reads and deletes its hash: exactly one caller sees a dead node's members) and returns
   * {other live nodes' field/value pairs, reaped field/value pairs}. Member hashes carry a Redis TTL of 3 x expiry
   * so they vanish even when no node is left to reap them.
   */
  static final String PRESENCE_SCRIPT = """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local expiry = tonumber(ARGV[3])
      redis.call('DEL', KEYS[2])
      for i = 5, #ARGV - 1, 2 do
        redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
      end
      if #ARGV >= 6 then
        redis.call('PEXPIRE', KEYS[2], expiry * 3)
      end
      if ARGV[4] == 'depart' then
        redis.call('ZADD', KEYS[1], 0, ARGV[2])
        return {{}, {}}
      end
      redis.call('ZADD', KEYS[1], now + expiry, ARGV[2])
      local reaped = {}
      for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
        local h = redis.call('HGETALL', ARGV[1] .. n)
        for i = 1, #h do reaped[#reaped + 1] = h[i] end
        redis.call('DEL', ARGV[1] .. n)
        redis.call('ZREM', KEYS[1], n)
      end
      local others = {}
      for _, n in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
        if n ~= ARGV[2] then
          local h = redis.call('HGETALL', ARGV[1] .. n)
          for i = 1, #h do others[#others + 1] = h[i] end
        end
      end
      return {others, reaped}
      """;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final RedisBusConfig config;
  private final byte[] epochKey;
  private final byte[] seqKey;
  private final byte[] logKey;
  private final byte[] maxLen;
  private final String initSha;
  private final String publishSha;
  private final String presenceSha;
  /** This node in the presence registry: random, so a restarted node never inherits a dead one's members. */
  private final String nodeId = Long.toString(RANDOM.nextLong() >>> 1, 36);
  private final byte[] presenceNodesKey;
  private final String presenceMemberPrefix;
  // Presence exchange state, guarded by presenceLock: one script in flight at a time, later requests coalesce.
  private final Object presenceLock = new Object();
  private volatile ClusterPresence presence;
  private boolean presenceRunning;
  private boolean presencePending;
  private volatile boolean presencePaused;
  private CompletionStage<Void> stopping;
  private volatile java.util.concurrent.ScheduledFuture<?> presenceTimer;
  private final AtomicBoolean started = new AtomicBoolean();
  private final java.util.concurrent.atomic.LongAdder historyReads = new java.util.concurrent.atomic.LongAdder();
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private volatile boolean stopped;
  private final Link commands;
  private final Link reader;
  private final RedisClient client;
  private final RedisClusterClient clusterClient;

  // Reader state: touched only by the reader chain, which runs one step at a time.
  private Sink sink;
  private long epoch = -1;
  private long last;
  private long retryDelayNanos;

  private RedisBus(RedisBusConfig config) {
    this.config = config;
    this.epochKey = bytes(config.key("epoch"));
    this.seqKey = bytes(config.key("seq"));
    this.logKey = bytes(config.key("log"));
    this.maxLen = bytes(Long.toString(config.maxStreamLength()));
    this.initSha = sha1(INIT_SCRIPT);
    this.publishSha = sha1(PUBLISH_SCRIPT);
    this.presenceSha = sha1(PRESENCE_SCRIPT);
    this.presenceNodesKey = bytes(config.key("presence:nodes"));
    this.presenceMemberPrefix = config.key("presence:node:");
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
    this.commands = new Link("commands");
    this.reader = new Link("reader");
  }

  /** A builder with every default from {@link RedisBusConfig}. */
  public static Builder builder() {
    return new Builder();
  }

  public RedisBusConfig config() {
    return config;
  }

  /** How many resumes read history from Redis (their range was older than the node's local log). */
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
    this.sink = sink;
    readerConnect(true);
    return ready.minimalCompletionStage();
  }

  @Override
  public CompletionStage<EventId> publish(String topic, String type, Event.Kind kind, byte[] payload) {
    if (stopped) {
      return CompletableFuture.failedFuture(new RedisBusException("bus stopped", null));
    }
    if (presence != null && topic.endsWith(Presence.TOPIC_SUFFIX)) {
      // This node's members changed: store them before the event reaches the stream, so a node that syncs
      // on reading the event already finds them (same connection, so Redis runs the two in this order).
      presenceSync(0);
    }
    byte[][] args = {
        bytes(Long.toString(newEpoch())), maxLen, bytes(topic), type == null ? new byte[0] : bytes(type),
        bytes(kind.name()), payload};
    return commands.get()
        .thenCompose(c -> script(c, publishSha, PUBLISH_SCRIPT, args))
        .handle((reply, error) -> {
          if (error != null) {
            throw fail("publish to " + topic, error);
          }
          return EventId.of(parseLong(reply.get(0)), parseLong(reply.get(1)));
        });
  }

  @Override
  public CompletionStage<History> history(Collection<String> topics, EventId after, EventId upTo) {
    long count = upTo.offset() - after.offset();
    if (count <= 0) {
      return CompletableFuture.completedFuture(History.of(List.of()));
    }
    if (count > config.maxBackfillEvents()) {
      return CompletableFuture.completedFuture(History.reset(ResetReason.TOO_OLD));
    }
    historyReads.increment();
    Set<String> wanted = new HashSet<>(topics);
    Range<String> range = Range.create((after.offset() + 1) + "-0", upTo.offset() + "-0");
    return commands.get()
        .thenCompose(c -> c.xrange(logKey, range, Limit.from(count)).toCompletableFuture())
        .handle((messages, error) -> {
          if (error != null) {
            throw fail("history read", error);
          }
          List<PublishedEvent> out = new ArrayList<>();
          long expected = after.offset() + 1;
          for (StreamMessage<byte[], byte[]> m : messages) {
            Entry e = Entry.parse(m);
            if (e.epoch != after.epoch()) {
              return History.reset(ResetReason.EPOCH_CHANGED);
            }
            if (e.offset != expected) {
              return History.reset(ResetReason.TOO_OLD); // trimmed (offsets in the stream are contiguous)
            }
            expected++;
            if (wanted.contains(e.topic)) {
              out.add(e.toEvent());
            }
          }
          if (expected != upTo.offset() + 1) {
            return History.reset(ResetReason.TOO_OLD);
          }
          return History.of(out);
        });
  }

  @Override
  public boolean startPresence(ClusterPresence presence) {
    presence.nodeId(nodeId);
    this.presence = Objects.requireNonNull(presence, "presence");
    long interval = config.presenceInterval().toNanos();
    presenceTimer = resources().eventExecutorGroup().scheduleAtFixedRate(() -> presenceSync(0), interval, interval,
        TimeUnit.NANOSECONDS);
    presenceSync(0);
    return true;
  }

  @Override
  public synchronized CompletionStage<Void> stop() {
    if (stopping != null) {
      return stopping;
    }
    // Leave our members for another node to reap (and announce their leaves) at its next sync; bounded by the
    // command timeout, failures only delay that to the expiry.
    CompletableFuture<Void> departed = presence == null || presencePaused ? CompletableFuture.completedFuture(null)
        : commands.get().thenCompose(c -> presenceScript(c, "depart")).handle((r, e) -> null);
    stopping = departed.thenCompose(v -> close());
    return stopping;
  }

  private CompletionStage<Void> close() {
    stopped = true;
    if (presenceTimer != null) {
      presenceTimer.cancel(false);
    }
    ready.completeExceptionally(new RedisBusException("bus stopped", null));
    CompletableFuture<Void> a = commands.close();
    CompletableFuture<Void> b = reader.close();
    return CompletableFuture.allOf(a, b).handle((v, e) -> null)
        .thenCompose(v -> client != null ? client.shutdownAsync(0, 2, TimeUnit.SECONDS)
            : clusterClient.shutdownAsync(0, 2, TimeUnit.SECONDS))
        .handle((v, e) -> (Void) null);
  }

  // ---- the reader chain ----------------------------------------------------------------------------------

  /** (Re)connects the reader, reconciles the epoch, then polls. {@code first}: the start of the bus. */
  private void readerConnect(boolean first) {
    if (stopped) {
      return;
    }
    reader.get()
        .thenCompose(c -> script(c, initSha, INIT_SCRIPT, initArgs()))
        .whenComplete((reply, error) -> {
          if (error != null) {
            if (first) {
              ready.completeExceptionally(fail("connecting to Redis at " + RedisBusConfig.describe(config.uri()),
                  error));
            } else {
              readerRetry(error);
            }
            return;
          }
          try {
            long e = parseLong(reply.get(0));
            long seq = parseLong(reply.get(1));
            if (first) {
              epoch = e;
              last = seq;
              sink.rebase(EventId.of(e, seq));
              LOG.info("redis bus joined epoch {} at offset {}", Long.toString(e, 36), seq);
              ready.complete(null);
            } else if (e != epoch) {
              newEpochSeen(e);
            }
            retryDelayNanos = 0;
            poll();
          } catch (RuntimeException ex) {
            readerRetry(ex);
          }
        });
  }

  /** Redis lost its data (or went back in time): continue from the start of the new epoch's stream. */
  private void newEpochSeen(long e) {
    LOG.warn("redis bus epoch changed {} -> {}: Redis lost its data; subscribers get reset",
        Long.toString(epoch, 36), Long.toString(e, 36));
    epoch = e;
    last = 0;
    sink.rebase(EventId.of(e, 0));
  }

  private void poll() {
    if (stopped) {
      return;
    }
    RedisClusterAsyncCommands<byte[], byte[]> c = reader.current();
    if (c == null) {
      readerRetry(new RedisBusException("reader connection closed", null));
      return;
    }
    XReadArgs args = XReadArgs.Builder.block(config.pollInterval().toMillis()).count(config.readBatch());
    c.xread(args, XReadArgs.StreamOffset.from(logKey, last + "-0")).whenComplete((messages, error) -> {
      if (error != null) {
        readerRetry(error);
        return;
      }
      try {
        if (messages == null || messages.isEmpty()) {
          checkEpoch(c);
        } else if (apply(messages)) {
          poll();
        }
      } catch (RuntimeException ex) {
        readerRetry(ex);
      }
    });
  }

  /** Applies a batch in order; returns {@code false} if it handed control elsewhere (an epoch change). */
  private boolean apply(List<StreamMessage<byte[], byte[]>> messages) {
    for (StreamMessage<byte[], byte[]> m : messages) {
      Entry e = Entry.parse(m);
      if (e.epoch != epoch) {
        // Redis restarted without its data and this node missed the moment: re-read the new stream from its
        // start after the reset (the init script confirms the new epoch).
        readerConnect(false);
        return false;
      }
      if (e.offset <= last) {
        continue;
      }
      if (e.offset > last + 1) {
        sink.gap(EventId.of(epoch, last), EventId.of(epoch, e.offset - 1));
      }
      last = e.offset;
      sink.append(e.toEvent());
      if (presence != null && e.topic.endsWith(Presence.TOPIC_SUFFIX)) {
        // Some node's members changed: refresh our view soon (after a short delay so the change's own node,
        // which stored it before publishing, is not raced; coalesced with any sync already pending).
        presenceSync(Math.min(config.presenceInterval().toNanos() / 10, TimeUnit.MILLISECONDS.toNanos(100)));
      }
    }
    return true;
  }

  private byte[][] initArgs() {
    return new byte[][] {
        bytes(Long.toString(newEpoch())), bytes(epoch < 0 ? "" : Long.toString(epoch)), bytes(Long.toString(last))};
  }

  /** On an idle read: has Redis lost its data or gone back in time? Both show up as another epoch. */
  private void checkEpoch(RedisClusterAsyncCommands<byte[], byte[]> c) {
    script(c, initSha, INIT_SCRIPT, initArgs()).whenComplete((reply, error) -> {
      if (error != null) {
        readerRetry(error);
        return;
      }
      try {
        long e = parseLong(reply.get(0));
        if (e != epoch) {
          newEpochSeen(e);
        }
        poll();
      } catch (RuntimeException ex) {
        readerRetry(ex);
      }
    });
  }

  private void readerRetry(Throwable error) {
    if (stopped) {
      return;
    }
    long min = config.minReconnectDelay().toNanos();
    long delay = retryDelayNanos == 0 ? min : Math.min(retryDelayNanos * 2, config.maxReconnectDelay().toNanos());
    retryDelayNanos = delay;
    LOG.warn("redis bus reader failed ({}); retrying in {} ms", rootMessage(error),
        TimeUnit.NANOSECONDS.toMillis(delay));
    reader.close();
    resources().eventExecutorGroup().schedule(() -> readerConnect(false), delay, TimeUnit.NANOSECONDS);
  }

  // ---- cluster-wide presence -----------------------------------------------------------------------------

  /**
   * Runs a presence exchange after {@code delayNanos} (0: now), unless one is already waiting to run; if one is in
   * flight, another runs right after it. A timer also asks for one every presence interval.
   */
  private void presenceSync(long delayNanos) {
    synchronized (presenceLock) {
      if (presenceRunning || stopped) {
        presencePending = true;
        return;
      }
      presenceRunning = true;
    }
    if (delayNanos > 0) {
      resources().eventExecutorGroup().schedule(this::presenceRun, delayNanos, TimeUnit.NANOSECONDS);
    } else {
      presenceRun();
    }
  }

  private void presenceRun() {
    if (stopped || presencePaused) {
      synchronized (presenceLock) {
        presenceRunning = false;
      }
      return;
    }
    commands.get().thenCompose(c -> presenceScript(c, "sync")).whenComplete((reply, error) -> {
      if (error != null) {
        LOG.warn("presence exchange failed ({}); other nodes keep this node's members until they expire",
            rootMessage(error));
      } else {
        try {
          presence.update(entries(reply.get(0)), entries(reply.get(1)));
        } catch (RuntimeException e) {
          LOG.warn("presence update failed", e);
        }
      }
      boolean again;
      synchronized (presenceLock) {
        presenceRunning = false;
        again = presencePending;
        presencePending = false;
      }
      if (again && !stopped) {
        presenceSync(0);
      }
    });
  }

  /**
   * For tests: this node stops announcing its presence members without departing, as if it had crashed, so the
   * other nodes drop them after the expiry.
   */
  void pausePresence() {
    presencePaused = true;
  }

  private CompletableFuture<List<Object>> presenceScript(RedisClusterAsyncCommands<byte[], byte[]> c, String mode) {
    List<ClusterPresence.Entry> local = presence.localMembers();
    byte[][] args = new byte[4 + 2 * local.size()][];
    args[0] = bytes(presenceMemberPrefix);
    args[1] = bytes(nodeId);
    args[2] = bytes(Long.toString(config.presenceExpiry().toMillis()));
    args[3] = bytes(mode);
    int i = 4;
    for (ClusterPresence.Entry e : local) {
      // NUL cannot occur in a valid topic; a member name containing one is cut at it on other nodes.
      args[i++] = bytes(e.topic() + '\0' + e.member());
      args[i++] = bytes(e.connections() + "\0" + e.metadataJson());
    }
    byte[][] keys = {presenceNodesKey, bytes(presenceMemberPrefix + nodeId)};
    return script(c, presenceSha, PRESENCE_SCRIPT, keys, args);
  }

  /** Field/value pairs of member hashes back into entries. */
  private static List<ClusterPresence.Entry> entries(Object reply) {
    List<?> flat = reply instanceof List<?> l ? l : List.of();
    List<ClusterPresence.Entry> out = new ArrayList<>(flat.size() / 2);
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      String field = new String((byte[]) flat.get(i), StandardCharsets.UTF_8);
      String value = new String((byte[]) flat.get(i + 1), StandardCharsets.UTF_8);
      int f = field.indexOf('\0');
      int v = value.indexOf('\0');
      if (f < 0 || v < 0) {
        continue; // not written by this version
      }
      out.add(new ClusterPresence.Entry(field.substring(0, f), field.substring(f + 1),
          Integer.parseInt(value.substring(0, v)), value.substring(v + 1)));
    }
    return out;
  }

  // ---- plumbing ------------------------------------------------------------------------------------------

  private ClientResources resources() {
    return client != null ? client.getResources() : clusterClient.getResources();
  }

  private CompletableFuture<List<Object>> script(RedisClusterAsyncCommands<byte[], byte[]> c, String sha,
      String source, byte[][] args) {
    return script(c, sha, source, new byte[][] {epochKey, seqKey, logKey}, args);
  }

  private CompletableFuture<List<Object>> script(RedisClusterAsyncCommands<byte[], byte[]> c, String sha,
      String source, byte[][] keys, byte[][] args) {
    CompletableFuture<List<Object>> f = new CompletableFuture<>();
    c.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys, args).whenComplete((r, e) -> {
      if (e == null) {
        f.complete(r);
      } else if (unwrap(e) instanceof RedisNoScriptException) {
        // First use, or Redis restarted and lost its script cache: send the source once.
        c.<List<Object>>eval(bytes(source), ScriptOutputType.MULTI, keys, args).whenComplete((r2, e2) -> {
          if (e2 == null) {
            f.complete(r2);
          } else {
            f.completeExceptionally(e2);
          }
        });
      } else {
        f.completeExceptionally(e);
      }
    });
    return f;
  }

  private static RedisBusException fail(String what, Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof RedisBusException) {
      return (RedisBusException) cause;
    }
    return new RedisBusException(what + " failed: " + rootMessage(cause), cause);
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static String rootMessage(Throwable t) {
    Throwable u = unwrap(t);
    return u.getClass().getSimpleName() + ": " + u.getMessage();
  }

  private static long newEpoch() {
    return RANDOM.nextLong() & 0xFF_FFFF_FFFFL; // 40 bits, as the core's local epochs
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static long parseLong(Object o) {
    if (o instanceof Long) {
      return (Long) o;
    }
    if (o instanceof byte[]) {
      return Long.parseLong(new String((byte[]) o, StandardCharsets.US_ASCII));
    }
    throw new IllegalStateException("unexpected reply from Redis: " + o);
  }

  private static String sha1(String script) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes(script)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One stream entry. */
  static final class Entry {
    long epoch;
    long offset;
    String topic;
    String type;
    Event.Kind kind;
    byte[] payload;

    static Entry parse(StreamMessage<byte[], byte[]> m) {
      Entry e = new Entry();
      String id = m.getId();
      e.offset = Long.parseLong(id.substring(0, id.indexOf('-')));
      // ByteArrayCodec keys compare by identity, so walk the (five) fields.
      for (Map.Entry<byte[], byte[]> f : m.getBody().entrySet()) {
        byte[] k = f.getKey();
        byte[] v = f.getValue();
        if (k.length != 1) {
          continue;
        }
        switch (k[0]) {
          case 'e' -> e.epoch = parseLong(v);
          case 't' -> e.topic = new String(v, StandardCharsets.UTF_8);
          case 'y' -> e.type = v.length == 0 ? null : new String(v, StandardCharsets.UTF_8);
          case 'k' -> e.kind = Event.Kind.valueOf(new String(v, StandardCharsets.US_ASCII));
          case 'p' -> e.payload = v;
          default -> { }
        }
      }
      if (e.topic == null || e.kind == null || e.payload == null) {
        throw new IllegalStateException("malformed stream entry " + id);
      }
      return e;
    }

    PublishedEvent toEvent() {
      return PublishedEvent.of(topic, EventId.of(epoch, offset), type, kind, payload);
    }
  }

  /**
   * One connection that never reconnects by itself: {@link #get()} reuses it while open and otherwise connects
   * anew (one attempt at a time), so a dead Redis fails each caller fast instead of queueing commands.
   */
  private final class Link {
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
        return CompletableFuture.failedFuture(new RedisBusException("bus stopped", null));
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
            throw new RedisBusException("bus stopped", null);
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

    /** Where Redis is, as a Lettuce {@link RedisURI}; it is copied. */
    public Builder uri(RedisURI uri) {
      Objects.requireNonNull(uri, "uri");
      this.uri = RedisURI.builder(uri).build();
      return this;
    }

    /** Whether {@link #uri} is a seed node of a Redis Cluster; default {@code false}. */
    public Builder cluster(boolean cluster) {
      this.cluster = cluster;
      return this;
    }

    /**
     * Key prefix and hash tag; default {@value RedisBusConfig#DEFAULT_KEY_PREFIX}. Nodes with the same prefix
     * form one livepush cluster.
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

    /** Approximate bound on the stream ({@code XADD MAXLEN ~}); default 100 000 events. */
    public Builder maxStreamLength(long n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxStreamLength: " + n + " (expected: >= 1)");
      }
      this.maxStreamLength = n;
      return this;
    }

    /** Most events one resume reads back from Redis; default 10 000. */
    public Builder maxBackfillEvents(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("maxBackfillEvents: " + n + " (expected: >= 0)");
      }
      this.maxBackfillEvents = n;
      return this;
    }

    /** Timeout of one command and of connecting; default 2 s. */
    public Builder commandTimeout(Duration timeout) {
      this.commandTimeout = positive("commandTimeout", timeout);
      return this;
    }

    /** {@code XREAD BLOCK} time, also the idle epoch check period; default 1 s. */
    public Builder pollInterval(Duration interval) {
      this.pollInterval = positive("pollInterval", interval);
      if (interval.toMillis() < 1) {
        throw new IllegalArgumentException("pollInterval: " + interval + " (expected: >= 1 ms)");
      }
      return this;
    }

    /** Reader reconnect backoff: first and longest delay; defaults 50 ms and 2 s. */
    public Builder reconnectDelay(Duration min, Duration max) {
      positive("minReconnectDelay", min);
      positive("maxReconnectDelay", max);
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
     */
    public Builder presenceInterval(Duration interval, Duration expiry) {
      positive("presenceInterval", interval);
      positive("presenceExpiry", expiry);
      if (expiry.compareTo(interval.multipliedBy(2)) < 0) {
        throw new IllegalArgumentException("presenceExpiry: " + expiry + " (expected: >= 2 x presenceInterval "
            + interval + ")");
      }
      this.presenceInterval = interval;
      this.presenceExpiry = expiry;
      return this;
    }

    /** Most entries one {@code XREAD} returns; default 512. */
    public Builder readBatch(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("readBatch: " + n + " (expected: >= 1)");
      }
      this.readBatch = n;
      return this;
    }

    /**
     * Builds the bus (not connected: the server connects it on start).
     *
     * @throws IllegalStateException if no {@link #uri} was given
     */
    public RedisBus build() {
      if (uri == null) {
        throw new IllegalStateException("uri: none (expected: e.g. redis://localhost:6379)");
      }
      return new RedisBus(new RedisBusConfig(this));
    }

    private static Duration positive(String name, Duration d) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
      }
      return d;
    }
  }
}
