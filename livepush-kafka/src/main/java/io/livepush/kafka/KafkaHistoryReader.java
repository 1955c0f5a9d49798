package io.livepush.kafka;

import io.livepush.EventId;
import io.livepush.ResetReason;
import io.livepush.spi.EventBus;
import io.livepush.spi.LogBusSupport;
import io.livepush.spi.PublishedEvent;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backfill and time lookups: one thread with its own consumer (manual assignment, no group) serves history reads
 * for resumes older than a node's local log, and positions by time, one at a time from a bounded queue (64;
 * one more fails, and the core closes that connection so its client retries). Each read is bounded by
 * {@link KafkaBusConfig#requestTimeout()}.
 */
final class KafkaHistoryReader {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaHistoryReader.class);
  static final int MAX_PENDING_READS = 64;

  private final KafkaBusConfig config;
  private final KafkaClients clients;
  private final KafkaRecords records;
  private final KafkaBus.EpochHolder epoch;
  private final TopicPartition partition;
  private final ThreadPoolExecutor thread;
  private KafkaConsumer<byte[], byte[]> consumer; // touched only on the thread
  private volatile boolean stopped;

  KafkaHistoryReader(KafkaBusConfig config, KafkaClients clients, KafkaRecords records, KafkaBus.EpochHolder epoch) {
    this.config = config;
    this.clients = clients;
    this.records = records;
    this.epoch = epoch;
    this.partition = new TopicPartition(config.topic(), 0);
    this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(MAX_PENDING_READS), r -> {
          Thread t = new Thread(r, "livepush-kafka-history");
          t.setDaemon(true);
          return t;
        });
  }

  CompletableFuture<EventBus.History> history(Collection<String> topics, EventId after, EventId upTo) {
    return submit(() -> read(topics, after, upTo));
  }

  /**
   * The position just before the first record with a timestamp at or after {@code time} (the end of the log when
   * there is none). When that record is the first one retained and records before it were removed, those may
   * have been at or after {@code time} too: the position is then one below the log start, which
   * {@link #history} answers with {@code too-old}, so the client gets a reset instead of a silent hole. Likewise
   * when no record at or after {@code time} is retained and every record was removed.
   */
  CompletableFuture<EventId> positionAt(Instant time) {
    return submit(() -> {
      KafkaConsumer<byte[], byte[]> c = consumer();
      Map<TopicPartition, OffsetAndTimestamp> found =
          c.offsetsForTimes(Map.of(partition, time.toEpochMilli()), config.requestTimeout());
      OffsetAndTimestamp at = found.get(partition);
      long start = c.beginningOffsets(List.of(partition), config.requestTimeout()).get(partition);
      long offset = at != null ? at.offset()
          : c.endOffsets(List.of(partition), config.requestTimeout()).get(partition);
      if (offset == start && start > 0) {
        offset = start - 1; // removed records may have been at or after the time: reset, never skip
      }
      return EventId.of(epoch.get(), offset); // "everything before Kafka offset `offset`"
    });
  }

  private <T> CompletableFuture<T> submit(Supplier<T> task) {
    CompletableFuture<T> f = new CompletableFuture<>();
    try {
      thread.execute(() -> {
        if (stopped) {
          f.completeExceptionally(new KafkaBusException("bus stopped", null));
          return;
        }
        try {
          f.complete(task.get());
        } catch (RuntimeException e) {
          closeConsumer(); // start clean next time
          f.completeExceptionally(e instanceof KafkaBusException ? e
              : new KafkaBusException("reading Kafka failed: " + LogBusSupport.describe(e), e));
        } catch (Error e) {
          // Not a record's (KafkaRecords.isRecordError): fail this read, never leave it pending; the executor
          // replaces the thread for the next one.
          f.completeExceptionally(new KafkaBusException("history read stopped by " + e.getClass().getName(), e));
          LOG.error("kafka bus history read stopped by {}", e.getClass().getName());
          try {
            closeConsumer();
          } catch (RuntimeException closeFailed) {
            // the error above is what matters; the consumer is re-created for the next read
            consumer = null;
          }
          throw e;
        }
      });
    } catch (RejectedExecutionException e) {
      f.completeExceptionally(new KafkaBusException("too many history reads pending (" + MAX_PENDING_READS + ")", e));
    }
    return f;
  }

  private EventBus.History read(Collection<String> topics, EventId after, EventId upTo) {
    if (after.epoch() != epoch.get()) {
      return EventBus.History.reset(ResetReason.EPOCH_CHANGED);
    }
    KafkaConsumer<byte[], byte[]> c = consumer();
    long start = c.beginningOffsets(List.of(partition), config.requestTimeout()).get(partition);
    if (start > after.offset()) {
      return EventBus.History.reset(ResetReason.TOO_OLD); // retention removed part of the range
    }
    var collector = new LogBusSupport.HistoryCollector(topics, after, upTo, false);
    c.seek(partition, after.offset()); // Kafka offset of id after+1
    long deadline = System.nanoTime() + config.requestTimeout().toNanos();
    try {
      while (c.position(partition, config.requestTimeout()) < upTo.offset()) {
        if (System.nanoTime() - deadline > 0) {
          throw new KafkaBusException("history read timed out after " + config.requestTimeout(), null);
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(config.pollInterval())) {
          PublishedEvent e = records.decode(r, after.epoch());
          if (e != null && !collector.add(e)) {
            return collector.result();
          }
        }
      }
    } catch (OffsetOutOfRangeException e) {
      return EventBus.History.reset(ResetReason.TOO_OLD); // removed while reading
    }
    collector.reachedEnd();
    return collector.result();
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    if (consumer == null) {
      consumer = clients.consumer("history");
      consumer.assign(List.of(partition));
    }
    return consumer;
  }

  private void closeConsumer() {
    if (consumer != null) {
      consumer.close(java.time.Duration.ZERO);
      consumer = null;
    }
  }

  /** Stops after the read in progress; reads still queued fail at once. */
  void close() {
    stopped = true;
    try {
      thread.execute(this::closeConsumer);
    } catch (RejectedExecutionException e) {
      // queue full: the consumer is closed by the JVM's exit; reads still fail fast
    }
    thread.shutdown();
  }
}
