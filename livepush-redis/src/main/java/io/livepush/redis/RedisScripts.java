package io.livepush.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.livepush.spi.LogBusSupport;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The bus's Lua scripts and how they are run ({@code EVALSHA}, falling back to {@code EVAL} once). */
final class RedisScripts {

  /**
   * KEYS: epoch, seq, log. ARGV: candidate epoch, the epoch the caller is in ("" if none), the last offset it
   * applied. Returns {epoch, seq}. A counter behind what a node already applied in the same epoch means Redis went
   * back in time (failover to a replica that missed writes): offsets would be re-used, so the epoch is replaced.
   */
  static final String INIT = """
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
  static final String PUBLISH = """
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
  static final String PRESENCE = """
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

  /** One script: its source and SHA-1. */
  record Script(String source, String sha) {
    static Script of(String source) {
      try {
        return new Script(source, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes(source))));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    /** Runs it with {@code EVALSHA}; after {@code NOSCRIPT} (first use, Redis restarted) sends the source once. */
    CompletableFuture<List<Object>> run(RedisClusterAsyncCommands<byte[], byte[]> c, byte[][] keys, byte[][] args) {
      CompletableFuture<List<Object>> f = new CompletableFuture<>();
      c.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys, args).whenComplete((r, e) -> {
        if (e == null) {
          f.complete(r);
        } else if (LogBusSupport.unwrap(e) instanceof RedisNoScriptException) {
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
  }

  static final Script INIT_SCRIPT = Script.of(INIT);
  static final Script PUBLISH_SCRIPT = Script.of(PUBLISH);
  static final Script PRESENCE_SCRIPT = Script.of(PRESENCE);

  private RedisScripts() {}

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

  /** A {@link RedisBusException} for a failed step, keeping one that is already one. */
  static RedisBusException fail(String what, Throwable error) {
    Throwable cause = LogBusSupport.unwrap(error);
    if (cause instanceof RedisBusException) {
      return (RedisBusException) cause;
    }
    return new RedisBusException(what + " failed: " + LogBusSupport.describe(cause), cause);
  }
}
