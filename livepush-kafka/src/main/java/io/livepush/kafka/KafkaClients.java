package io.livepush.kafka;

import io.livepush.spi.LogBusSupport;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Client setup and the topic's identity. Every client gets the configured extra properties, then livepush's
 * fixed ones. The epoch is derived from the topic's id (a UUID Kafka assigns when the topic is created): a
 * deleted and re-created topic is a new history, so ids from the old one are recognised as foreign.
 */
final class KafkaClients {
  private final KafkaBusConfig config;

  KafkaClients(KafkaBusConfig config) {
    this.config = config;
  }

  private Map<String, Object> common(String role) {
    Map<String, Object> p = new HashMap<>(config.clientProperties());
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.putIfAbsent(CommonClientConfigs.CLIENT_ID_CONFIG, "livepush-" + role + "-" + LogBusSupport.newNodeId());
    p.put(CommonClientConfigs.RECONNECT_BACKOFF_MS_CONFIG, 50);
    p.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2000);
    return p;
  }

  Admin admin() {
    Map<String, Object> p = common("admin");
    int timeout = (int) config.requestTimeout().toMillis();
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout);
    return Admin.create(p);
  }

  /**
   * The publisher: idempotent (no duplicates from the producer's own retries), {@code acks=all}, and bounded in
   * time by {@link KafkaBusConfig#publishTimeout()} (delivery and metadata waits), so a dead broker fails
   * publishes instead of queueing them.
   */
  org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer() {
    Map<String, Object> p = common("producer");
    int timeout = (int) config.publishTimeout().toMillis();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5); // the most idempotence keeps in order
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeout);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return new org.apache.kafka.clients.producer.KafkaProducer<>(p);
  }

  /**
   * A consumer for manual assignment: no group, no committed offsets (each node tracks its position itself,
   * every node reads everything), {@code auto.offset.reset=none} so retention overtaking the position is an
   * {@code OffsetOutOfRangeException} the bus turns into a reset instead of a silent jump, and
   * {@code read_committed} so aborted transactions of other producers never reach browsers.
   */
  KafkaConsumer<byte[], byte[]> consumer(String role) {
    Map<String, Object> p = common(role);
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    p.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // the bus creates its topic, with one partition
    p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) config.requestTimeout().toMillis());
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) config.requestTimeout().toMillis());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return new KafkaConsumer<>(p);
  }

  /**
   * The input bridge's producer: transactional ({@code transactional.id} = {@code id}, stable for the bridge's
   * life so a re-created producer aborts what its predecessor left open), idempotent, {@code acks=all};
   * {@code transaction.timeout.ms} = {@link KafkaBusConfig#inputTransactionTimeout()} (how long a crashed node's
   * open transaction holds back {@code read_committed} readers); every blocking call bounded by
   * {@link KafkaBusConfig#requestTimeout()}; {@code max.request.size} fits one {@code maxEventBytes} event.
   */
  org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> transactionalProducer(String id) {
    Map<String, Object> p = common("bridge-producer");
    int timeout = (int) config.requestTimeout().toMillis();
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) config.inputTransactionTimeout().toMillis());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, config.maxEventBytes() + 64 * 1024); // payload + headers
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5); // a batch's records share requests; the commit flushes them
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeout + 5); // kafka-clients: >= linger + request timeout
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return new org.apache.kafka.clients.producer.KafkaProducer<>(p);
  }

  /**
   * The input bridge's consumer: member of the group {@link KafkaBusConfig#inputGroup()} (Kafka splits the input
   * partitions among the nodes), offsets committed only inside the bridge's transactions (no auto-commit),
   * {@code read_committed} (aborted input records are never bridged), at most
   * {@link KafkaBusConfig#inputMaxRecords()} records a poll (one transaction). A group without committed offsets
   * starts at {@code earliest} unless {@code clientProperty("auto.offset.reset", ...)} says otherwise.
   */
  KafkaConsumer<byte[], byte[]> inputConsumer() {
    Map<String, Object> p = common("bridge");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, config.inputGroup());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.inputMaxRecords());
    p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) config.requestTimeout().toMillis());
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) config.requestTimeout().toMillis());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return new KafkaConsumer<>(p);
  }

  /**
   * The epoch of the topic's current incarnation, creating the topic (one partition) first if allowed; empty
   * when the topic does not exist. Blocks up to the request timeout: call only on the bus's own threads.
   *
   * @throws KafkaBusException if Kafka cannot be reached or the topic has more than one partition
   */
  Optional<Long> epoch(Admin admin, boolean create) {
    long timeout = config.requestTimeout().toMillis();
    try {
      TopicDescription d;
      try {
        d = admin.describeTopics(List.of(config.topic())).allTopicNames().get(timeout, TimeUnit.MILLISECONDS)
            .get(config.topic());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw e;
        }
        if (!create || !config.createTopic()) {
          return Optional.empty();
        }
        try {
          admin.createTopics(List.of(new NewTopic(config.topic(), Optional.of(1),
              config.replicationFactor() < 0 ? Optional.empty() : Optional.of(config.replicationFactor())))).all().get(timeout, TimeUnit.MILLISECONDS);
        } catch (ExecutionException created) {
          if (!(created.getCause() instanceof TopicExistsException)) {
            throw created;
          }
        }
        // A topic just created may not be in every broker's metadata yet (KRaft propagates it
        // asynchronously): describe again until it shows up, within the same request timeout.
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
        while (true) {
          Optional<Long> created = epoch(admin, false);
          if (created.isPresent() || System.nanoTime() - deadline > 0) {
            return created;
          }
          Thread.sleep(50);
        }
      }
      if (d.partitions().size() != 1) {
        throw new KafkaBusException("topic " + config.topic() + " has " + d.partitions().size()
            + " partitions (expected: 1, the single ordered log every id refers to)", null);
      }
      return Optional.of(epochOf(d.topicId()));
    } catch (ExecutionException | TimeoutException e) {
      throw new KafkaBusException("describing topic " + config.topic() + " at " + config.bootstrapServers()
          + " failed: " + LogBusSupport.describe(e), LogBusSupport.unwrap(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaBusException("interrupted", e);
    }
  }

  /**
   * Creates the presence topic when missing and allowed: one partition, {@code cleanup.policy=compact} (one
   * record per node survives), {@code message.timestamp.type=LogAppendTime} (every announcement timed by the
   * broker's clock). Without {@code createTopic}, only checks that it exists. Blocks up to the request timeout:
   * call only on the bus's own threads.
   *
   * @return whether the topic exists now
   * @throws KafkaBusException if Kafka cannot be reached
   */
  boolean ensurePresenceTopic(Admin admin) {
    long timeout = config.requestTimeout().toMillis();
    if (!config.createTopic()) {
      try {
        return admin.listTopics().names().get(timeout, TimeUnit.MILLISECONDS).contains(config.presenceTopic());
      } catch (ExecutionException | TimeoutException e) {
        throw new KafkaBusException("listing topics failed: " + LogBusSupport.describe(e), LogBusSupport.unwrap(e));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KafkaBusException("interrupted", e);
      }
    }
    NewTopic t = new NewTopic(config.presenceTopic(), Optional.of(1),
        config.replicationFactor() < 0 ? Optional.empty() : Optional.of(config.replicationFactor()))
        .configs(Map.of("cleanup.policy", "compact", "message.timestamp.type", "LogAppendTime"));
    try {
      admin.createTopics(List.of(t)).all().get(timeout, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new KafkaBusException("creating topic " + config.presenceTopic() + " failed: "
            + LogBusSupport.describe(e), LogBusSupport.unwrap(e));
      }
    } catch (TimeoutException e) {
      throw new KafkaBusException("creating topic " + config.presenceTopic() + " timed out", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaBusException("interrupted", e);
    }
    return true;
  }

  /** 40 bits of the topic id, as livepush's epochs. */
  static long epochOf(Uuid topicId) {
    return (topicId.getMostSignificantBits() ^ topicId.getLeastSignificantBits()) & LogBusSupport.EPOCH_MASK;
  }
}
