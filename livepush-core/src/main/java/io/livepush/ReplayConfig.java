package io.livepush;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds of the replay log. An event leaves the log when <em>any</em> bound is reached; a client that asks to
 * resume from before the oldest retained event gets a {@code reset} with {@link ResetReason#TOO_OLD}.
 *
 * <table>
 *   <caption>Bounds and defaults</caption>
 *   <tr><th>bound</th><th>default</th><th>when reached</th></tr>
 *   <tr><td>{@link #maxEventsPerTopic()}</td><td>{@value #DEFAULT_MAX_EVENTS_PER_TOPIC}</td>
 *       <td>the topic's oldest event is dropped on append</td></tr>
 *   <tr><td>{@link #maxBytesPerTopic()}</td><td>{@value #DEFAULT_MAX_BYTES_PER_TOPIC} bytes</td>
 *       <td>the topic's oldest events are dropped on append</td></tr>
 *   <tr><td>{@link #maxTotalBytes()}</td><td>{@value #DEFAULT_MAX_TOTAL_BYTES} bytes</td>
 *       <td>the oldest events of the whole log are dropped on append</td></tr>
 *   <tr><td>{@link #maxAge()}</td><td>5 minutes</td>
 *       <td>events are dropped by a sweep once a second; a topic with no events and no subscribers for this
 *       long is forgotten</td></tr>
 * </table>
 * Bytes count the encoded form of every transport plus a fixed per-event overhead.
 */
public final class ReplayConfig {
  /** Default of {@link #maxEventsPerTopic()}: events. */
  public static final int DEFAULT_MAX_EVENTS_PER_TOPIC = 1000;
  /** Default of {@link #maxBytesPerTopic()}: 1 MiB. */
  public static final long DEFAULT_MAX_BYTES_PER_TOPIC = 1L << 20;
  /** Default of {@link #maxTotalBytes()}: 64 MiB. */
  public static final long DEFAULT_MAX_TOTAL_BYTES = 64L << 20;
  /** Default of {@link #maxAge()}: 5 minutes. */
  public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(5);

  private static final ReplayConfig DEFAULTS = builder().build();

  private final int maxEventsPerTopic;
  private final long maxBytesPerTopic;
  private final long maxTotalBytes;
  private final Duration maxAge;

  private ReplayConfig(Builder b) {
    maxEventsPerTopic = b.maxEventsPerTopic;
    maxBytesPerTopic = b.maxBytesPerTopic;
    maxTotalBytes = b.maxTotalBytes;
    maxAge = b.maxAge;
  }

  /**
   * The defaults in the table above.
   *
   * @return a shared instance
   */
  public static ReplayConfig defaults() {
    return DEFAULTS;
  }

  /**
   * A builder seeded with the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Events kept per topic.
   *
   * @return the bound, &ge; 0; {@code 0} keeps none
   */
  public int maxEventsPerTopic() {
    return maxEventsPerTopic;
  }

  /**
   * Bytes kept per topic.
   *
   * @return the bound in bytes, &gt; 0 and &le; {@link #maxTotalBytes()}
   */
  public long maxBytesPerTopic() {
    return maxBytesPerTopic;
  }

  /**
   * Bytes kept for all topics together.
   *
   * @return the bound in bytes, &gt; 0
   */
  public long maxTotalBytes() {
    return maxTotalBytes;
  }

  /**
   * How long an event is kept.
   *
   * @return the age bound, positive; never {@code null}
   */
  public Duration maxAge() {
    return maxAge;
  }

  @Override
  public String toString() {
    return "ReplayConfig{maxEventsPerTopic=" + maxEventsPerTopic + ", maxBytesPerTopic=" + maxBytesPerTopic
        + ", maxTotalBytes=" + maxTotalBytes + ", maxAge=" + maxAge + '}';
  }

  /** Builds a {@link ReplayConfig}; every setter validates eagerly. */
  public static final class Builder {
    private int maxEventsPerTopic = DEFAULT_MAX_EVENTS_PER_TOPIC;
    private long maxBytesPerTopic = DEFAULT_MAX_BYTES_PER_TOPIC;
    private long maxTotalBytes = DEFAULT_MAX_TOTAL_BYTES;
    private Duration maxAge = DEFAULT_MAX_AGE;

    private Builder() {}

    /**
     * Events kept per topic; {@code 0} keeps none (every resume is a reset).
     *
     * @param value the bound, &ge; 0
     * @return this builder
     * @throws IllegalArgumentException if {@code value} is negative
     */
    public Builder maxEventsPerTopic(int value) {
      this.maxEventsPerTopic = Checks.nonNegative("maxEventsPerTopic", value);
      return this;
    }

    /**
     * Bytes kept per topic; must not exceed {@link #maxTotalBytes(long)} (checked by {@link #build()}).
     *
     * @param value the bound in bytes, &gt; 0
     * @return this builder
     * @throws IllegalArgumentException if {@code value} is not positive
     */
    public Builder maxBytesPerTopic(long value) {
      this.maxBytesPerTopic = Checks.positive("maxBytesPerTopic", value);
      return this;
    }

    /**
     * Bytes kept for all topics together.
     *
     * @param value the bound in bytes, &gt; 0
     * @return this builder
     * @throws IllegalArgumentException if {@code value} is not positive
     */
    public Builder maxTotalBytes(long value) {
      this.maxTotalBytes = Checks.positive("maxTotalBytes", value);
      return this;
    }

    /**
     * How long an event is kept; swept once a second, so an event may outlive it by up to a second.
     *
     * @param value the age bound, positive
     * @return this builder
     * @throws NullPointerException if {@code value} is {@code null}
     * @throws IllegalArgumentException if {@code value} is zero or negative
     */
    public Builder maxAge(Duration value) {
      this.maxAge = Checks.positive("maxAge", value);
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @return a new, immutable configuration
     * @throws IllegalStateException if {@code maxBytesPerTopic} exceeds {@code maxTotalBytes}
     */
    public ReplayConfig build() {
      if (maxBytesPerTopic > maxTotalBytes) {
        throw new IllegalStateException("maxBytesPerTopic: " + maxBytesPerTopic + " (expected: <= maxTotalBytes "
            + maxTotalBytes + ")");
      }
      Objects.requireNonNull(maxAge);
      return new ReplayConfig(this);
    }
  }
}
