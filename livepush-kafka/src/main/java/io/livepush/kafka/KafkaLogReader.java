package io.livepush.kafka;

import io.livepush.EventId;
import io.livepush.spi.EventBus;
import io.livepush.spi.LogBusSupport;
import io.livepush.spi.LogFollower;
import io.livepush.spi.PublishedEvent;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reader: one thread, one consumer assigned the log's partition by hand (no group: every node reads every
 * record, and its position is the offset it applied, never a committed one), each record decoded, validated and
 * handed to a {@link LogFollower}. Ids: a record at Kafka offset {@code o} is event {@code <epoch>-<o + 1>}, so
 * a position ("everything before Kafka offset {@code p}") is {@code <epoch>-<p>} and {@code 0} is "before the
 * first record".
 *
 * <ul>
 *   <li>A broker outage just makes polls return nothing; the consumer reconnects by itself and continues from its
 *       position, so nothing is lost or repeated.</li>
 *   <li>Retention (or {@code deleteRecords}) removing records before this node read them raises
 *       {@link OffsetOutOfRangeException} ({@code auto.offset.reset=none}): a gap up to the new log start, then
 *       reading continues there.</li>
 *   <li>A re-created topic (new topic id) is a new epoch: {@link EventBus.Sink#rebase rebase} to
 *       {@code <new epoch>-0} and read it from its start. Checked every
 *       {@link KafkaBusConfig#epochCheckInterval()} and on every out-of-range position.</li>
 * </ul>
 */
final class KafkaLogReader implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaLogReader.class);

  private final KafkaBusConfig config;
  private final KafkaClients clients;
  private final Admin admin;
  private final KafkaRecords records;
  private final LogFollower follower;
  private final TopicPartition partition;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final KafkaBus.EpochHolder epochHolder;
  private final LogBusSupport.Backoff backoff = new LogBusSupport.Backoff(Duration.ofMillis(50), Duration.ofSeconds(2));
  private volatile boolean stopped;
  private volatile Error fatal;
  private volatile boolean paused; // test hook: a stalled node
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private final Thread thread;
  /** Told the topic of every event applied (presence syncs soon after a {@code ~presence} event). */
  private final java.util.function.Consumer<String> onRead;

  KafkaLogReader(KafkaBusConfig config, KafkaClients clients, Admin admin, KafkaRecords records,
      EventBus.Sink sink, KafkaBus.EpochHolder epochHolder, java.util.function.Consumer<String> onRead) {
    this.onRead = onRead;
    this.config = config;
    this.clients = clients;
    this.admin = admin;
    this.records = records;
    this.follower = new LogFollower(sink, false, "kafka bus");
    this.partition = new TopicPartition(config.topic(), 0);
    this.epochHolder = epochHolder;
    this.thread = new Thread(this, "livepush-kafka-reader");
    thread.setDaemon(true);
  }

  /** Starts the thread; completes once the node joined the log, exceptionally if Kafka is unreachable. */
  CompletableFuture<Void> start() {
    thread.start();
    return ready;
  }

  /** For tests: stop or resume reading, as a stalled node would (its consumer stays assigned). */
  void pause(boolean pause) {
    paused = pause;
  }

  /** Stops the thread (wakes a poll in progress); does not wait for it. */
  void stop() {
    stopped = true;
    ready.completeExceptionally(new KafkaBusException("bus stopped", null));
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
  }

  @Override
  public void run() {
    try (KafkaConsumer<byte[], byte[]> c = clients.consumer("reader")) {
      consumer = c;
      if (!join(c)) {
        return;
      }
      long nextEpochCheck = System.nanoTime() + config.epochCheckInterval().toNanos();
      while (!stopped) {
        try {
          if (paused) {
            java.util.concurrent.locks.LockSupport.parkNanos(config.pollInterval().toNanos()); // test hook only
            continue;
          }
          ConsumerRecords<byte[], byte[]> batch = c.poll(config.pollInterval());
          for (ConsumerRecord<byte[], byte[]> r : batch) {
            apply(r);
          }
          if (System.nanoTime() - nextEpochCheck > 0) {
            nextEpochCheck = System.nanoTime() + config.epochCheckInterval().toNanos();
            checkEpoch(c);
          }
          backoff.reset();
        } catch (OffsetOutOfRangeException e) {
          outOfRange(c);
        } catch (WakeupException e) {
          return;
        } catch (RuntimeException e) {
          if (stopped) {
            return;
          }
          long delay = backoff.nextNanos();
          LOG.warn("kafka bus reader failed ({}); retrying in {} ms", LogBusSupport.describe(e),
              TimeUnit.NANOSECONDS.toMillis(delay));
          // Our own thread: waiting here delays only this node's reading, never an event loop.
          java.util.concurrent.locks.LockSupport.parkNanos(delay);
        }
      }
    } catch (RuntimeException e) {
      if (!stopped) {
        LOG.error("kafka bus reader stopped", e);
      }
    } catch (Error e) {
      // Not a record's fault (a mapper's per-record errors are bad records, KafkaRecords.isRecordError): the JVM's.
      // Say so, let KafkaBus report it, rethrow to the thread's uncaught-exception handler.
      fatal = e;
      ready.completeExceptionally(new KafkaBusException("kafka bus reader stopped by " + e.getClass().getName(), e));
      LOG.error("kafka bus reader of {} stopped by {}: this node no longer receives the cluster's events",
          partition, e.getClass().getName());
      throw e;
    } finally {
      consumer = null;
    }
  }

  /** The error that stopped the reader thread, or {@code null} (see {@link KafkaRecords#isRecordError}). */
  Error fatal() {
    return fatal;
  }

  /** Finds the epoch and the end of the log, rebases the node there and seeks to it. */
  private boolean join(KafkaConsumer<byte[], byte[]> c) {
    try {
      long epoch = clients.epoch(admin, true).orElseThrow(
          () -> new KafkaBusException("topic " + config.topic() + " does not exist and createTopic is off", null));
      c.assign(List.of(partition));
      long end = c.endOffsets(List.of(partition), config.requestTimeout()).get(partition);
      c.seek(partition, end);
      epochHolder.set(epoch);
      follower.rebase(EventId.of(epoch, end));
      ready.complete(null);
      return true;
    } catch (RuntimeException e) {
      ready.completeExceptionally(e instanceof KafkaBusException ? e : new KafkaBusException(
          "connecting to Kafka at " + config.bootstrapServers() + " failed: " + LogBusSupport.describe(e), e));
      return false;
    }
  }

  private void apply(ConsumerRecord<byte[], byte[]> r) {
    PublishedEvent e = records.decode(r, follower.epoch());
    if (e != null && follower.apply(e) == LogFollower.Applied.FOREIGN_EPOCH) {
      throw new IllegalStateException("record of another epoch"); // decode uses the followed epoch: cannot happen
    }
    if (e != null) {
      onRead.accept(e.topic());
    }
  }

  /** Has the topic been deleted and re-created? Then its history is another one. */
  private boolean checkEpoch(KafkaConsumer<byte[], byte[]> c) {
    Optional<Long> epoch = clients.epoch(admin, false);
    if (epoch.isEmpty() || epoch.get() == follower.epoch()) {
      return false;
    }
    epochHolder.set(epoch.get());
    follower.rebase(EventId.of(epoch.get(), 0));
    c.seek(partition, 0);
    return true;
  }

  /** The position left the log: records were removed before this node read them (or the topic was replaced). */
  private void outOfRange(KafkaConsumer<byte[], byte[]> c) {
    if (checkEpoch(c)) {
      return;
    }
    long start = c.beginningOffsets(List.of(partition), config.requestTimeout()).get(partition);
    long end = c.endOffsets(List.of(partition), config.requestTimeout()).get(partition);
    if (follower.last() < start) {
      LOG.warn("kafka bus: records up to offset {} were removed before this node read them", start - 1);
      follower.lost(start);
      c.seek(partition, start);
    } else {
      // The log is shorter than what this node read (unclean leader election): ids would be re-used, so follow
      // from the end; see docs/cluster.md.
      LOG.error("kafka bus: the log ends at {} but this node read up to {}: records were lost by Kafka", end,
          follower.last());
      c.seek(partition, Math.max(end, follower.last()));
    }
  }
}
