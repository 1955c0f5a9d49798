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
  public static final int DEFAULT_MAX_EVENTS_PER_TOPIC = 1000;
  public static final long DEFAULT_MAX_BYTES_PER_TOPIC = 1L << 20;
  public static final long DEFAULT_MAX_TOTAL_BYTES = 64L << 20;
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

  /** The defaults in the table above. */
  public static ReplayConfig defaults() {
    return DEFAULTS;
  }

  /** A builder seeded with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  public int maxEventsPerTopic() {
    return maxEventsPerTopic;
  }

  public long maxBytesPerTopic() {
    return maxBytesPerTopic;
  }

  public long maxTotalBytes() {
    return maxTotalBytes;
  }

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

    /** Events kept per topic; {@code 0} keeps none (every resume is a reset). */
    public Builder maxEventsPerTopic(int value) {
      this.maxEventsPerTopic = Checks.nonNegative("maxEventsPerTopic", value);
      return this;
    }

    public Builder maxBytesPerTopic(long value) {
      this.maxBytesPerTopic = Checks.positive("maxBytesPerTopic", value);
      return this;
    }

    public Builder maxTotalBytes(long value) {
      this.maxTotalBytes = Checks.positive("maxTotalBytes", value);
      return this;
    }

    public Builder maxAge(Duration value) {
      this.maxAge = Checks.positive("maxAge", value);
      return this;
    }

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
