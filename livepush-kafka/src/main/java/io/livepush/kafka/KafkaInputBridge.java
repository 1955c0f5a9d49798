package io.livepush.kafka;

import io.livepush.spi.LogBusSupport;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The input bridge: Kafka's exactly-once consume-transform-produce from the input topics (any number of
 * partitions, written by other services) into the one-partition log topic. Every node runs one, on its own thread
 * ({@code livepush-kafka-bridge}); they form the consumer group {@link KafkaBusConfig#inputGroup()}, so Kafka splits
 * the input partitions among the nodes and moves them on rebalances.
 *
 * <p>One transaction per poll batch (at most {@link KafkaBusConfig#inputMaxRecords()} records): each record is
 * mapped by its topic's {@link KafkaRecordMapper} and validated like a publish; a good one is appended to the log in
 * livepush's format, a bad one is only counted; then the batch's next input offsets are committed inside the same
 * transaction ({@code sendOffsetsToTransaction} with the consumer's group metadata: KIP-447 fencing, a member that
 * lost its partitions in a rebalance cannot commit). So each input record becomes exactly one log event (or, if
 * bad, none), across rebalances, stops and crashes: an aborted transaction's records are invisible to the log's
 * {@code read_committed} readers, and its offsets were not committed.
 *
 * <p>A mapped record larger than the log topic's {@code max.message.bytes} (read at start) is bad before any send.
 * One Kafka still refuses for good ({@link RecordTooLargeException}, {@link InvalidRecordException}) fails its
 * transaction once; when the batch is read again it is bad (counted, skipped), so it cannot stop the bridge.
 *
 * <p>Faults: any failure (broker down, fenced, a timed-out send) aborts the transaction (a producer that cannot
 * abort is closed and re-created with the same {@code transactional.id}, which aborts what it left open), seeks the
 * batch's partitions back to the batch's first records (the committed offsets) and continues after a backoff (50 ms
 * doubling to 2 s). A
 * commit that timed out is retried as kafka-clients requires (it may already be in progress). Rebalances happen
 * only inside {@code poll}, when no transaction is open, so no rebalance listener is needed.
 *
 * <p>Errors: a mapper's {@link StackOverflowError}, {@link LinkageError} or {@link AssertionError} makes its record
 * bad, like an exception ({@link KafkaRecords#isRecordError}). Any other {@link Error} (out of memory, an internal
 * error) stops the bridge: logged at ERROR with its {@code transactional.id}, the open transaction aborted, the
 * producer closed, the consumer leaves the group (the other nodes take its partitions), the error kept for
 * {@link KafkaBus#fatalError()} and {@link KafkaBus#ping()}, and rethrown to the thread's uncaught-exception handler.
 */
final class KafkaInputBridge implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaInputBridge.class);

  private final KafkaBusConfig config;
  private final KafkaClients clients;
  private final KafkaRecords records;
  private final String transactionalId;
  private final LongAdder bridged = new LongAdder();
  private final LongAdder bad = new LongAdder();
  private final LongAdder aborted = new LongAdder();
  private final AtomicInteger failBeforeCommit = new AtomicInteger(); // test hook
  private final LogBusSupport.Backoff backoff = new LogBusSupport.Backoff(Duration.ofMillis(50), Duration.ofSeconds(2));
  private final Thread thread;
  private volatile boolean stopped;
  private volatile Error fatal;
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  // Touched on the bridge thread only:
  private KafkaProducer<byte[], byte[]> producer;
  private boolean inTransaction;
  private boolean resetNeeded;
  /**
   * Input records whose log record Kafka refused for good (too large for the log topic's {@code max.message.bytes},
   * invalid): bad when the aborted batch is read again, so one such record cannot stop the bridge. Written by the
   * producer's I/O thread, read by the bridge thread; emptied at each commit (bounded by one batch's records).
   */
  private final Set<String> refused = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** The first offset of each partition in the batch being bridged: where it goes back when nothing was committed. */
  private final Map<TopicPartition, Long> batchStart = new HashMap<>();

  private final org.apache.kafka.clients.admin.Admin admin;
  /** The log topic's {@code max.message.bytes}, read at start; larger records are bad before any send. */
  private int logRecordLimit = Integer.MAX_VALUE;

  KafkaInputBridge(KafkaBusConfig config, KafkaClients clients, KafkaRecords records, String nodeId,
      org.apache.kafka.clients.admin.Admin admin) {
    this.config = config;
    this.admin = admin;
    this.clients = clients;
    this.records = records;
    // Unique per bus instance (one member, one producer); stable for its life so a re-created producer fences the
    // previous one and aborts its open transaction at once instead of after the transaction timeout.
    this.transactionalId = config.inputGroup() + "-" + nodeId;
    this.thread = new Thread(this, "livepush-kafka-bridge");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Input records appended to the log by this node, counted when their transaction committed. */
  long bridged() {
    return bridged.sum();
  }

  /** Input records this node skipped as bad, counted when their offsets were committed. */
  long bad() {
    return bad.sum();
  }

  /** Transactions this node aborted. */
  long aborted() {
    return aborted.sum();
  }

  /** For tests: the next {@code n} batches fail after their records were sent, before the commit. */
  void failBeforeCommit(int n) {
    failBeforeCommit.set(n);
  }

  /**
   * Stops the bridge: the batch in progress is committed (or aborted), the producer closed and the consumer leaves
   * the group, so the other nodes take its partitions at once. Blocks up to about twice the request timeout: call
   * on the bus's stop thread only.
   */
  void stop() {
    stopped = true;
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    LockSupport.unpark(thread);
    try {
      thread.join(2 * config.requestTimeout().toMillis() + config.pollInterval().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void run() {
    KafkaConsumer<byte[], byte[]> c = null;
    try {
      c = clients.inputConsumer();
      consumer = c;
      if (stopped) {
        return; // stop() may have missed the consumer to wake
      }
      logRecordLimit = logRecordLimit();
      c.subscribe(List.copyOf(config.inputs().keySet()));
      while (!stopped) {
        try {
          if (producer == null) {
            producer = newProducer();
          }
          if (resetNeeded) {
            seekBack(c);
            resetNeeded = false;
          }
          ConsumerRecords<byte[], byte[]> batch = c.poll(config.pollInterval());
          if (!batch.isEmpty()) {
            bridge(c, batch);
          }
          backoff.reset();
        } catch (WakeupException e) {
          return;
        } catch (RuntimeException e) {
          if (stopped) {
            return;
          }
          failed();
          long delay = backoff.nextNanos();
          LOG.warn("kafka bus input bridge failed ({}{}); resuming from the committed offsets in {} ms",
              LogBusSupport.describe(e), e.getCause() == null ? "" : ", caused by " + LogBusSupport.describe(
                  e.getCause()), TimeUnit.NANOSECONDS.toMillis(delay));
          LockSupport.parkNanos(delay); // our own thread: only the bridge waits
        }
      }
    } catch (RuntimeException e) {
      if (!stopped) {
        LOG.error("kafka bus input bridge stopped", e);
      }
    } catch (Error e) {
      // Not a record's fault (those are bad records, see KafkaRecords.isRecordError): the JVM's. Stop cleanly,
      // say so, let KafkaBus report it, and rethrow to the thread's uncaught-exception handler.
      fatal = e;
      LOG.error("kafka bus input bridge {} (group {}) stopped by {}: this node no longer bridges input; its "
          + "partitions move to the other nodes", transactionalId, config.inputGroup(), e.getClass().getName());
      throw e;
    } finally {
      close(c);
    }
  }

  /**
   * The producer first: its open transaction (if any) is aborted before the consumer leaves the group, so the next
   * owner of the partitions does not wait for it. Each step's failure is logged, not thrown: the next still runs and
   * an error that stopped the thread is not replaced.
   */
  private void close(KafkaConsumer<byte[], byte[]> c) {
    try {
      if (producer != null) {
        if (inTransaction) {
          abortOrClose();
        }
        if (producer != null) {
          producer.close(config.requestTimeout());
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("kafka bus input bridge: closing its producer failed ({})", LogBusSupport.describe(e));
    } finally {
      producer = null;
      consumer = null;
      if (c != null) {
        try {
          c.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(config.requestTimeout()));
        } catch (RuntimeException e) {
          LOG.warn("kafka bus input bridge: closing its consumer failed ({})", LogBusSupport.describe(e));
        }
      }
    }
  }

  /**
   * The error that stopped the bridge thread, or {@code null}: any {@link Error} but a mapper's per-record one
   * ({@link KafkaRecords#isRecordError}), e.g. {@link OutOfMemoryError}.
   */
  Error fatal() {
    return fatal;
  }

  private KafkaProducer<byte[], byte[]> newProducer() {
    KafkaProducer<byte[], byte[]> p = clients.transactionalProducer(transactionalId);
    try {
      p.initTransactions(); // fences an earlier producer with this id and aborts what it left open
      return p;
    } catch (RuntimeException e) {
      p.close(Duration.ZERO);
      throw e;
    }
  }

  /** One transaction: the batch's good records into the log, its offsets into the group, atomically. */
  private void bridge(KafkaConsumer<byte[], byte[]> c, ConsumerRecords<byte[], byte[]> batch) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    batchStart.clear();
    for (TopicPartition tp : batch.partitions()) {
      batchStart.put(tp, batch.records(tp).get(0).offset());
    }
    int good = 0;
    int skippedBad = 0;
    producer.beginTransaction();
    inTransaction = true;
    for (ConsumerRecord<byte[], byte[]> r : batch) {
      KafkaRecords.Fields f;
      String position = r.topic() + "-" + r.partition() + "@" + r.offset();
      try {
        if (refused.contains(position)) {
          throw new IllegalArgumentException("the log topic refused its record");
        }
        f = records.mapped(r, config.inputs().get(r.topic()));
      } catch (Exception e) { // not only IOException: a Kotlin or Scala mapper may throw any checked exception
        f = null;
        skippedBad++;
        LOG.debug("skipping bad input record at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(),
            KafkaRecords.reason(e)); // record contents are not trusted: position and class only
      }
      if (f != null && recordSize(f) > logRecordLimit) {
        f = null; // the log topic would refuse it: bad now, instead of failing the transaction
        skippedBad++;
        LOG.debug("skipping input record at {}-{}@{}: larger than the log topic's max.message.bytes", r.topic(),
            r.partition(), r.offset());
      }
      if (f != null) {
        // A failed send makes commitTransaction throw: the whole batch is then aborted and read again.
        producer.send(KafkaRecords.encode(config.topic(), f.topic(), f.type(), f.kind(), f.payload()), (md, e) -> {
          if (e instanceof RecordTooLargeException || e instanceof InvalidRecordException) {
            refused.add(position);
          }
        });
        good++;
      }
      offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
    }
    if (failBeforeCommit.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new KafkaException("test: failure injected before the commit");
    }
    producer.sendOffsetsToTransaction(offsets, c.groupMetadata());
    commit();
    inTransaction = false;
    batchStart.clear();
    refused.clear();
    bridged.add(good);
    bad.add(skippedBad);
  }

  /**
   * An upper bound of the log record's size for {@code f}: payload, key and headers (livepush's names and values)
   * plus Kafka's record and batch overhead (under 128 bytes).
   */
  private static int recordSize(KafkaRecords.Fields f) {
    int topic = f.topic().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    int type = f.type() == null ? 0 : f.type().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    return f.payload().length + 2 * topic + type + 64 + 128;
  }

  /**
   * The log topic's {@code max.message.bytes} (the broker's default when the topic has none), or no limit when it
   * cannot be read within the request timeout (a refused record then fails its transaction once, see above).
   */
  private int logRecordLimit() {
    try {
      var resource = new org.apache.kafka.common.config.ConfigResource(
          org.apache.kafka.common.config.ConfigResource.Type.TOPIC, config.topic());
      var entry = admin.describeConfigs(List.of(resource)).all()
          .get(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS).get(resource).get("max.message.bytes");
      return entry == null || entry.value() == null ? Integer.MAX_VALUE : Integer.parseInt(entry.value());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Integer.MAX_VALUE;
    } catch (Exception e) {
      LOG.warn("kafka bus input bridge: max.message.bytes of {} unknown ({}); records too large for it will fail "
          + "their transaction once", config.topic(), LogBusSupport.describe(e));
      return Integer.MAX_VALUE;
    }
  }

  /** Commits; a timed-out commit may be in progress and must be retried, never aborted (kafka-clients' rule). */
  private void commit() {
    while (true) {
      try {
        producer.commitTransaction();
        return;
      } catch (TimeoutException e) {
        if (stopped) {
          throw e;
        }
        long delay = backoff.nextNanos();
        LOG.warn("kafka bus input bridge: commit timed out ({}); retrying in {} ms", LogBusSupport.describe(e),
            TimeUnit.NANOSECONDS.toMillis(delay));
        LockSupport.parkNanos(delay);
      }
    }
  }

  /** After a failure: abort the open transaction and go back to the committed offsets before the next poll. */
  private void failed() {
    if (inTransaction) {
      aborted.increment();
      abortOrClose();
    }
    resetNeeded = true;
  }

  private void abortOrClose() {
    try {
      producer.abortTransaction();
    } catch (RuntimeException abortFailed) {
      // Fenced or fatal (or Kafka unreachable): a new producer with the same transactional.id aborts it instead.
      producer.close(Duration.ZERO);
      producer = null;
    }
    inTransaction = false;
  }

  /**
   * Seeks the failed batch's partitions back to its first records: exactly the offsets this node committed last
   * (or, for a partition the group never committed, where {@code auto.offset.reset} put it), since every batch
   * before it committed and no rebalance can happen between a poll and its transaction. No broker call: a
   * committed-offset fetch ({@code require_stable}) waits for every open transaction on the group's offsets and
   * was seen to stall for minutes after a broker crash. A partition no longer assigned is skipped (it is
   * re-positioned from the committed offsets when assigned again).
   */
  private void seekBack(KafkaConsumer<byte[], byte[]> c) {
    Set<TopicPartition> assigned = c.assignment();
    for (Map.Entry<TopicPartition, Long> e : batchStart.entrySet()) {
      if (assigned.contains(e.getKey())) {
        c.seek(e.getKey(), e.getValue());
      }
    }
    batchStart.clear();
  }
}
