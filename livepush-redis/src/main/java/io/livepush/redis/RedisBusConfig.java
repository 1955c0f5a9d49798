package io.livepush.redis;

import io.lettuce.core.RedisURI;
import java.time.Duration;

/**
 * The immutable configuration of a {@link RedisBus}, made by {@link RedisBus.Builder}. Each default is stated
 * once, on the constants below.
 */
public final class RedisBusConfig {
  /** Default key prefix; keys are {@code {livepush}:epoch}, {@code {livepush}:seq}, {@code {livepush}:log}. */
  public static final String DEFAULT_KEY_PREFIX = "livepush";
  /** Default stream length bound (approximate: {@code XADD MAXLEN ~}). */
  public static final long DEFAULT_MAX_STREAM_LENGTH = 100_000;
  /** Default most events one resume may read back from Redis. */
  public static final int DEFAULT_MAX_BACKFILL_EVENTS = 10_000;
  /** Default timeout of one Redis command (and of connecting). */
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);
  /** Default {@code XREAD BLOCK} time; also how often an idle node re-checks the epoch. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
  /** Default first reconnect delay of the stream reader; doubles up to {@link #DEFAULT_MAX_RECONNECT_DELAY}. */
  public static final Duration DEFAULT_MIN_RECONNECT_DELAY = Duration.ofMillis(50);
  /** Default longest reconnect delay of the stream reader. */
  public static final Duration DEFAULT_MAX_RECONNECT_DELAY = Duration.ofSeconds(2);
  /** Default events one {@code XREAD} returns at most. */
  public static final int DEFAULT_READ_BATCH = 512;
  /** Default period at which a node re-announces its presence members. */
  public static final Duration DEFAULT_PRESENCE_INTERVAL = Duration.ofSeconds(2);
  /** Default time after its last announcement at which a silent node's presence members are dropped. */
  public static final Duration DEFAULT_PRESENCE_EXPIRY = Duration.ofSeconds(10);

  private final RedisURI uri;
  private final boolean cluster;
  private final String keyPrefix;
  private final long maxStreamLength;
  private final int maxBackfillEvents;
  private final Duration commandTimeout;
  private final Duration pollInterval;
  private final Duration minReconnectDelay;
  private final Duration maxReconnectDelay;
  private final int readBatch;
  private final Duration presenceInterval;
  private final Duration presenceExpiry;

  RedisBusConfig(RedisBus.Builder b) {
    uri = b.uri;
    cluster = b.cluster;
    keyPrefix = b.keyPrefix;
    maxStreamLength = b.maxStreamLength;
    maxBackfillEvents = b.maxBackfillEvents;
    commandTimeout = b.commandTimeout;
    pollInterval = b.pollInterval;
    minReconnectDelay = b.minReconnectDelay;
    maxReconnectDelay = b.maxReconnectDelay;
    readBatch = b.readBatch;
    presenceInterval = b.presenceInterval;
    presenceExpiry = b.presenceExpiry;
  }

  /**
   * Where Redis is: standalone ({@code redis://}, {@code rediss://}) or Sentinel ({@code redis-sentinel://}).
   *
   * @return a copy of the configured URI; never {@code null}
   */
  public RedisURI uri() {
    return uri;
  }

  /**
   * Whether {@link #uri()} is a seed node of a Redis Cluster.
   *
   * @return {@code true} for Redis Cluster
   */
  public boolean cluster() {
    return cluster;
  }

  /**
   * The hash tag of every key, so a Redis Cluster keeps them in one slot.
   *
   * @return 1 to 64 characters of {@code [A-Za-z0-9_.:-]}
   */
  public String keyPrefix() {
    return keyPrefix;
  }

  /**
   * {@code MAXLEN ~} of the stream: the cluster-wide replay bound in events (approximate).
   *
   * @return events, &ge; 1
   */
  public long maxStreamLength() {
    return maxStreamLength;
  }

  /**
   * Most events one resume reads back from Redis; a resume further back gets {@code reset} (too-old).
   *
   * @return events, &ge; 0
   */
  public int maxBackfillEvents() {
    return maxBackfillEvents;
  }

  /**
   * Timeout of one command and of connecting.
   *
   * @return a positive duration
   */
  public Duration commandTimeout() {
    return commandTimeout;
  }

  /**
   * {@code XREAD BLOCK} time, also the idle epoch check period.
   *
   * @return at least 1 ms
   */
  public Duration pollInterval() {
    return pollInterval;
  }

  /**
   * How often a node re-announces its presence members (and reads the other nodes').
   *
   * @return a positive duration
   */
  public Duration presenceInterval() {
    return presenceInterval;
  }

  /**
   * How long a node's presence members count after its last announcement (a crashed node's members go then).
   *
   * @return at least twice {@link #presenceInterval()}
   */
  public Duration presenceExpiry() {
    return presenceExpiry;
  }

  /**
   * The reader's first reconnect delay; it doubles up to {@link #maxReconnectDelay()}.
   *
   * @return a positive duration
   */
  public Duration minReconnectDelay() {
    return minReconnectDelay;
  }

  /**
   * The reader's longest reconnect delay.
   *
   * @return a duration &ge; {@link #minReconnectDelay()}
   */
  public Duration maxReconnectDelay() {
    return maxReconnectDelay;
  }

  /**
   * Most entries one {@code XREAD} returns.
   *
   * @return entries, &ge; 1
   */
  public int readBatch() {
    return readBatch;
  }

  String key(String name) {
    return "{" + keyPrefix + "}:" + name;
  }

  /** Never prints credentials. */
  static String describe(RedisURI uri) {
    return uri.getHost() != null ? uri.getHost() + ":" + uri.getPort()
        : "sentinel master " + uri.getSentinelMasterId();
  }

  @Override
  public String toString() {
    return "RedisBusConfig{uri=" + describe(uri) + ", cluster=" + cluster + ", keyPrefix=" + keyPrefix
        + ", maxStreamLength=" + maxStreamLength + ", maxBackfillEvents=" + maxBackfillEvents
        + ", commandTimeout=" + commandTimeout + ", pollInterval=" + pollInterval + ", presenceInterval=" + presenceInterval
        + ", presenceExpiry=" + presenceExpiry + ", minReconnectDelay="
        + minReconnectDelay + ", maxReconnectDelay=" + maxReconnectDelay + ", readBatch=" + readBatch + '}';
  }
}
