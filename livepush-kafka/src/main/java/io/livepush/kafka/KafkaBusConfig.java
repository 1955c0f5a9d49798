package io.livepush.kafka;

import java.time.Duration;
import java.util.Map;

/**
 * The immutable configuration of a {@link KafkaBus}, made by {@link KafkaBus.Builder}. Each default is stated
 * once, on the constants below.
 */
public final class KafkaBusConfig {
  /** Default Kafka topic: the cluster log. */
  public static final String DEFAULT_TOPIC = "livepush";
  /** Default most events one resume may read back from Kafka. */
  public static final int DEFAULT_MAX_BACKFILL_EVENTS = 10_000;
  /** Default bound on a publish, from the call to the broker's acknowledgement (also Kafka's request timeout). */
  public static final Duration DEFAULT_PUBLISH_TIMEOUT = Duration.ofSeconds(2);
  /** Default bound on one history read, one start-up step and one metadata request. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
  /** Default consumer poll timeout of the reader; also how often it checks whether it must stop. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(500);
  /** Default period of the reader's check that the topic is still the same incarnation (the epoch). */
  public static final Duration DEFAULT_EPOCH_CHECK_INTERVAL = Duration.ofSeconds(5);
  /** Default publishes accepted but not yet handed to the producer; one more fails at once. */
  public static final int DEFAULT_MAX_PENDING_PUBLISHES = 10_000;
  /** Default period of a node's presence announcement. */
  public static final Duration DEFAULT_PRESENCE_INTERVAL = Duration.ofSeconds(2);
  /** Default age after which a node that stopped announcing is dead and its members leave. */
  public static final Duration DEFAULT_PRESENCE_EXPIRY = Duration.ofSeconds(10);
  /** Default most input records one bridge poll takes, hence one transaction carries. */
  public static final int DEFAULT_INPUT_MAX_RECORDS = 500;
  /** Default {@code transaction.timeout.ms} of the input bridge's transactions. */
  public static final Duration DEFAULT_INPUT_TRANSACTION_TIMEOUT = Duration.ofSeconds(10);
  /** Default bound on one event's payload, as the core's {@code maxEventBytes}. */
  public static final int DEFAULT_MAX_EVENT_BYTES = 1 << 20;

  private final String bootstrapServers;
  private final String topic;
  private final boolean createTopic;
  private final short replicationFactor;
  private final Map<String, Object> clientProperties;
  private final int maxBackfillEvents;
  private final Duration publishTimeout;
  private final Duration requestTimeout;
  private final Duration pollInterval;
  private final Duration epochCheckInterval;
  private final int maxPendingPublishes;
  private final int maxEventBytes;
  private final KafkaRecordMapper mapper;
  private final Duration presenceInterval;
  private final Duration presenceExpiry;
  private final Map<String, KafkaRecordMapper> inputs;
  private final String inputGroup;
  private final int inputMaxRecords;
  private final Duration inputTransactionTimeout;

  KafkaBusConfig(KafkaBus.Builder b) {
    bootstrapServers = b.bootstrapServers;
    topic = b.topic;
    createTopic = b.createTopic;
    replicationFactor = b.replicationFactor;
    clientProperties = Map.copyOf(b.clientProperties);
    maxBackfillEvents = b.maxBackfillEvents;
    publishTimeout = b.publishTimeout;
    requestTimeout = b.requestTimeout;
    pollInterval = b.pollInterval;
    epochCheckInterval = b.epochCheckInterval;
    maxPendingPublishes = b.maxPendingPublishes;
    maxEventBytes = b.maxEventBytes;
    mapper = b.mapper;
    presenceInterval = b.presenceInterval;
    presenceExpiry = b.presenceExpiry;
    inputs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(b.inputs));
    inputGroup = b.inputGroup != null ? b.inputGroup : topic + ".input";
    inputMaxRecords = b.inputMaxRecords;
    inputTransactionTimeout = b.inputTransactionTimeout;
  }

  /**
   * The input topics (Kafka topics other services write, any number of partitions) and the mapper of each; empty
   * when the bus bridges none. Their records are appended to the log topic by the input bridge, exactly once.
   *
   * @return the input topics and their mappers, in the order given; unmodifiable
   */
  public Map<String, KafkaRecordMapper> inputs() {
    return inputs;
  }

  /**
   * The consumer group every node's input bridge joins; default {@code <topic>.input}.
   *
   * @return the input consumer group id
   */
  public String inputGroup() {
    return inputGroup;
  }

  /**
   * Most input records one bridge poll takes ({@code max.poll.records}), hence one transaction carries.
   *
   * @return at least 1
   */
  public int inputMaxRecords() {
    return inputMaxRecords;
  }

  /**
   * {@code transaction.timeout.ms} of the bridge's transactions: how long an open transaction of a node that
   * crashed holds back every {@code read_committed} reader of the log before the broker aborts it.
   *
   * @return positive
   */
  public Duration inputTransactionTimeout() {
    return inputTransactionTimeout;
  }

  /**
   * Kafka's {@code bootstrap.servers}: {@code host:port[,host:port...]}.
   *
   * @return kafka's {@code bootstrap.servers}: {@code host:port[,host:port...]}
   */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /**
   * The Kafka topic that is the cluster log (one partition).
   *
   * @return the Kafka topic that is the cluster log (one partition)
   */
  public String topic() {
    return topic;
  }

  /**
   * Whether the bus creates the topic (one partition) when it is missing.
   *
   * @return whether the bus creates the topic (one partition) when it is missing
   */
  public boolean createTopic() {
    return createTopic;
  }

  /**
   * Replication factor of a topic the bus creates; -1 for the broker's default.
   *
   * @return replication factor of a topic the bus creates; -1 for the broker's default
   */
  public short replicationFactor() {
    return replicationFactor;
  }

  /**
   * Extra client properties (security, client.rack, ...) given to the producer, consumers and admin client.
   *
   * @return extra client properties (security, client.rack, ...) given to the producer, consumers and admin client
   */
  public Map<String, Object> clientProperties() {
    return clientProperties;
  }

  /**
   * Most events one resume reads back from Kafka.
   *
   * @return most events one resume reads back from Kafka
   */
  public int maxBackfillEvents() {
    return maxBackfillEvents;
  }

  /**
   * Bound on a publish, until the broker acknowledged it.
   *
   * @return bound on a publish, until the broker acknowledged it
   */
  public Duration publishTimeout() {
    return publishTimeout;
  }

  /**
   * Bound on one history read, one start-up step, one metadata request.
   *
   * @return bound on one history read, one start-up step, one metadata request
   */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /**
   * The reader's poll timeout.
   *
   * @return the reader's poll timeout
   */
  public Duration pollInterval() {
    return pollInterval;
  }

  /**
   * How often the reader checks the topic's identity (the epoch).
   *
   * @return how often the reader checks the topic's identity (the epoch)
   */
  public Duration epochCheckInterval() {
    return epochCheckInterval;
  }

  /**
   * Publishes waiting for the producer thread, at most.
   *
   * @return publishes waiting for the producer thread, at most
   */
  public int maxPendingPublishes() {
    return maxPendingPublishes;
  }

  /**
   * Bound on one event's payload read from Kafka, in bytes; larger records are bad.
   *
   * @return bound on one event's payload read from Kafka, in bytes; larger records are bad
   */
  public int maxEventBytes() {
    return maxEventBytes;
  }

  /**
   * The compacted topic on which nodes announce their presence members: {@code <topic>-presence}.
   *
   * @return the presence topic's name
   */
  public String presenceTopic() {
    return topic + "-presence";
  }

  /**
   * How often a node re-announces its presence members.
   *
   * @return the presence interval, positive
   */
  public Duration presenceInterval() {
    return presenceInterval;
  }

  /**
   * How long after its last announcement a silent node counts as dead (its members leave).
   *
   * @return the presence expiry, at least twice the interval
   */
  public Duration presenceExpiry() {
    return presenceExpiry;
  }

  /**
   * The mapper of records not written by livepush, or {@code null} (such records are bad).
   *
   * @return the mapper of records not written by livepush, or {@code null} (such records are bad)
   */
  public KafkaRecordMapper mapper() {
    return mapper;
  }

  @Override
  public String toString() {
    // Client properties may hold credentials (sasl.jaas.config): only their names are shown.
    return "KafkaBusConfig{bootstrapServers=" + bootstrapServers + ", topic=" + topic + ", createTopic=" + createTopic
        + ", replicationFactor=" + replicationFactor + ", clientProperties=" + clientProperties.keySet()
        + ", maxBackfillEvents=" + maxBackfillEvents + ", publishTimeout=" + publishTimeout
        + ", requestTimeout=" + requestTimeout + ", pollInterval=" + pollInterval + ", epochCheckInterval="
        + epochCheckInterval + ", maxPendingPublishes=" + maxPendingPublishes + ", maxEventBytes=" + maxEventBytes
        + ", mapper=" + (mapper != null) + ", presenceInterval=" + presenceInterval
        + ", presenceExpiry=" + presenceExpiry + ", inputs=" + inputs.keySet() + ", inputGroup=" + inputGroup
        + ", inputMaxRecords=" + inputMaxRecords + ", inputTransactionTimeout=" + inputTransactionTimeout + '}';
  }
}
