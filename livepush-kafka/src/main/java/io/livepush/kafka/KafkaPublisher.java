package io.livepush.kafka;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.spi.LogBusSupport;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes through one idempotent producer ({@code acks=all}). {@code KafkaProducer.send} may block (metadata,
 * full buffer), so callers never call it: publishes go through a bounded queue
 * ({@link KafkaBusConfig#maxPendingPublishes()}; one more fails at once) to one sender thread, which keeps
 * their order. The returned futures complete on the producer's I/O thread.
 *
 * <p>Broker down: the first publishes fail after {@link KafkaBusConfig#publishTimeout()} (ambiguous: they may be
 * in the log); that opens a breaker and later publishes fail at once with {@link KafkaBusException} until a
 * probe ({@code describeCluster}, every poll interval while open) reaches Kafka again.
 */
final class KafkaPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaPublisher.class);

  private final KafkaBusConfig config;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Admin admin;
  private final KafkaBus.EpochHolder epoch;
  private final ThreadPoolExecutor sender;
  private volatile boolean open; // breaker: Kafka unreachable
  private volatile boolean stopped;
  private final Object probeLock = new Object();
  private boolean probing;

  KafkaPublisher(KafkaBusConfig config, KafkaClients clients, Admin admin, KafkaBus.EpochHolder epoch) {
    this.config = config;
    this.producer = clients.producer();
    this.admin = admin;
    this.epoch = epoch;
    this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(config.maxPendingPublishes()), r -> {
          Thread t = new Thread(r, "livepush-kafka-publisher");
          t.setDaemon(true);
          return t;
        });
  }

  CompletableFuture<EventId> publish(String topic, String type, Event.Kind kind, byte[] payload) {
    if (stopped) {
      return CompletableFuture.failedFuture(new KafkaBusException("bus stopped", null));
    }
    if (open) {
      probe();
      return CompletableFuture.failedFuture(new KafkaBusException("publish to " + topic
          + " failed: Kafka at " + config.bootstrapServers() + " is unreachable", null));
    }
    CompletableFuture<EventId> f = new CompletableFuture<>();
    try {
      sender.execute(() -> send(f, topic, type, kind, payload));
    } catch (RejectedExecutionException e) {
      f.completeExceptionally(new KafkaBusException("publish to " + topic + " failed: "
          + config.maxPendingPublishes() + " publishes pending", null));
    }
    return f;
  }

  private void send(CompletableFuture<EventId> f, String topic, String type, Event.Kind kind, byte[] payload) {
    if (open || stopped) {
      f.completeExceptionally(new KafkaBusException("publish to " + topic + " failed: Kafka at "
          + config.bootstrapServers() + (stopped ? " (bus stopped)" : " is unreachable"), null));
      return;
    }
    try {
      producer.send(KafkaRecords.encode(config.topic(), topic, type, kind, payload), (md, e) -> {
        if (e == null) {
          f.complete(EventId.of(epoch.get(), md.offset() + 1));
        } else {
          if (e instanceof RetriableException) {
            trip(e); // a delivery timeout: Kafka unreachable for the whole publish timeout
          }
          f.completeExceptionally(new KafkaBusException("publish to " + topic + " failed (it may or may not be "
              + "in the log): " + LogBusSupport.describe(e), e));
        }
      });
    } catch (RuntimeException e) {
      trip(e);
      f.completeExceptionally(new KafkaBusException("publish to " + topic + " failed: "
          + LogBusSupport.describe(e), e));
    }
  }

  private void trip(Throwable e) {
    if (!open && !stopped) {
      open = true;
      LOG.warn("kafka bus: Kafka unreachable ({}); publishes fail at once until it is back",
          LogBusSupport.describe(e));
    }
    probe();
  }

  /** While the breaker is open, one probe at a time, spaced by the poll interval. */
  private void probe() {
    synchronized (probeLock) {
      if (probing || stopped) {
        return;
      }
      probing = true;
    }
    Duration timeout = config.requestTimeout();
    admin.describeCluster().clusterId().toCompletionStage().toCompletableFuture()
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((id, e) -> {
          if (e == null && open) {
            open = false;
            LOG.info("kafka bus: Kafka reachable again; publishes resume");
          }
          CompletableFuture.delayedExecutor(config.pollInterval().toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            synchronized (probeLock) {
              probing = false;
            }
            if (open) {
              probe();
            }
          });
        });
  }

  /** Sends what is queued, then closes the producer (bounded by the publish timeout). Blocks: own threads only. */
  void close() {
    stopped = true;
    sender.shutdown();
    try {
      sender.awaitTermination(config.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(config.publishTimeout());
  }
}
