package io.livepush.kafka;

import io.livepush.spi.ClusterPresence;
import io.livepush.spi.LogBusSupport;
import io.livepush.spi.LogSafe;
import io.livepush.spi.PresenceExchange;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster-wide presence on Kafka (docs/cluster.md "Presence with Kafka"): each node announces its members as one
 * record, key = its node id, on the compacted topic {@code <topic>-presence} (one partition, broker-assigned
 * {@code LogAppendTime} timestamps), and every node reads that topic from its start into a map of the other
 * nodes' latest announcements. The schedule is core's {@link PresenceExchange}; an exchange writes this node's
 * record (acknowledged) and answers from the map.
 *
 * <p>Liveness: a node whose latest record is older than the expiry (by the broker's append time against this
 * node's clock) or says it departed is dead. The live node with the smallest node id reaps it: it reports its
 * members as gone (their {@code presence.leave}) and writes a tombstone for its key, which removes it from every
 * map and, after compaction, from the topic. Other nodes just stop counting it. Only a node that has read the
 * presence topic up to its end once reaps, so a starting node does not reap from a partial view.
 *
 * <p>Threads: an exchange runs on the single {@code livepush-kafka-presence} thread (it may block on the
 * producer, bounded by the publish timeout); the {@code livepush-kafka-presence-reader} thread polls the topic.
 * The map is concurrent. Record values: a version byte, a departed flag, then per member its topic, name,
 * connection count and metadata JSON (lengths as {@code int}s, UTF-8), at most the number of members this node
 * holds.
 */
final class KafkaPresence implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaPresence.class);
  private static final byte VERSION = 1;

  private final KafkaBusConfig config;
  private final KafkaClients clients;
  private final String nodeId;
  private final TopicPartition partition;
  private final ScheduledThreadPoolExecutor executor;
  private final Thread readerThread;
  /** The other nodes' latest announcements, by node id. */
  private final Map<String, Announcement> nodes = new ConcurrentHashMap<>();
  private volatile KafkaProducer<byte[], byte[]> producer;
  private volatile boolean caughtUp;
  private volatile boolean stopped;

  /** One node's latest record: its members, whether it departed, the broker's append time (ms). */
  private record Announcement(List<ClusterPresence.Entry> members, boolean departed, long appendedMillis) {}

  KafkaPresence(KafkaBusConfig config, KafkaClients clients, String nodeId) {
    this.config = config;
    this.clients = clients;
    this.nodeId = nodeId;
    this.partition = new TopicPartition(config.presenceTopic(), 0);
    this.executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "livepush-kafka-presence");
      t.setDaemon(true);
      return t;
    });
    executor.setRemoveOnCancelPolicy(true);
    this.readerThread = new Thread(this, "livepush-kafka-presence-reader");
    readerThread.setDaemon(true);
  }

  /** The scheduler {@link PresenceExchange} runs its timer on. */
  ScheduledExecutorService scheduler() {
    return executor;
  }

  void start() {
    readerThread.start();
  }

  /** One exchange: announce this node's members, then answer from what the reader has seen. */
  CompletableFuture<PresenceExchange.View> sync(List<ClusterPresence.Entry> local) {
    return CompletableFuture.supplyAsync(() -> {
      announce(nodeId, encode(local, false));
      return view();
    }, executor);
  }

  /** Announces this node as departed (members kept for the reaper); bounded, never fails. */
  CompletableFuture<Void> depart(List<ClusterPresence.Entry> local) {
    return CompletableFuture.runAsync(() -> announce(nodeId, encode(local, true)), executor)
        .handle((v, e) -> null);
  }

  private PresenceExchange.View view() {
    long now = System.currentTimeMillis();
    long expiry = config.presenceExpiry().toMillis();
    List<ClusterPresence.Entry> others = new ArrayList<>();
    List<String> dead = new ArrayList<>();
    String smallestLive = nodeId;
    for (Map.Entry<String, Announcement> e : nodes.entrySet()) {
      Announcement a = e.getValue();
      if (a.departed() || now - a.appendedMillis() > expiry) {
        dead.add(e.getKey());
      } else {
        others.addAll(a.members());
        if (e.getKey().compareTo(smallestLive) < 0) {
          smallestLive = e.getKey();
        }
      }
    }
    List<ClusterPresence.Entry> gone = new ArrayList<>();
    if (caughtUp && smallestLive.equals(nodeId)) {
      for (String d : dead) {
        Announcement a = nodes.remove(d);
        if (a != null) {
          LOG.info("presence: node {} is gone ({} members); announcing their leave", LogSafe.of(d),
              a.members().size());
          gone.addAll(a.members());
          announce(d, null); // tombstone: every node forgets it; compaction drops its record
        }
      }
    }
    return new PresenceExchange.View(others, gone);
  }

  /** Writes one record and waits for its acknowledgement (bounded by the publish timeout). */
  private void announce(String key, byte[] value) {
    KafkaProducer<byte[], byte[]> p = producer;
    if (p == null) {
      p = clients.producer();
      producer = p;
    }
    try {
      p.send(new ProducerRecord<>(partition.topic(), 0, key.getBytes(StandardCharsets.UTF_8), value))
          .get(config.publishTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaBusException("interrupted", e);
    } catch (Exception e) {
      throw new KafkaBusException("presence announcement failed: " + LogBusSupport.describe(e),
          LogBusSupport.unwrap(e));
    }
  }

  /** The reader: from the start of the compacted topic, then every new announcement. */
  @Override
  public void run() {
    KafkaConsumer<byte[], byte[]> c = null;
    long startEnd = 0;
    while (!stopped) {
      try {
        if (c == null) {
          c = clients.consumer("presence");
          c.assign(List.of(partition));
          c.seekToBeginning(List.of(partition));
          nodes.clear();
          caughtUp = false;
          // what was there when reading started: read up to it, the view holds every node's last record
          startEnd = c.endOffsets(List.of(partition), config.requestTimeout()).get(partition);
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(config.pollInterval())) {
          apply(r);
        }
        if (!caughtUp) {
          caughtUp = c.position(partition, config.requestTimeout()) >= startEnd;
        }
      } catch (RuntimeException e) {
        if (stopped) {
          break;
        }
        LOG.warn("reading presence topic {} failed ({}); retrying", partition.topic(), LogBusSupport.describe(e));
        if (c != null) {
          c.close(java.time.Duration.ZERO);
          c = null;
        }
        try {
          Thread.sleep(config.pollInterval().toMillis()); // retry delay after a failure, not synchronisation
        } catch (InterruptedException ie) {
          break;
        }
      }
    }
    if (c != null) {
      c.close(java.time.Duration.ZERO);
    }
  }

  private void apply(ConsumerRecord<byte[], byte[]> r) {
    if (r.key() == null) {
      return;
    }
    String node = new String(r.key(), StandardCharsets.UTF_8);
    if (node.equals(nodeId)) {
      return;
    }
    if (r.value() == null) {
      nodes.remove(node); // reaped
      return;
    }
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(r.value()));
      if (in.readByte() != VERSION) {
        return; // written by another version
      }
      boolean departed = in.readBoolean();
      int n = in.readInt();
      List<ClusterPresence.Entry> members = new ArrayList<>(Math.min(n, 1024));
      for (int i = 0; i < n; i++) {
        members.add(new ClusterPresence.Entry(string(in), string(in), in.readInt(), string(in)));
      }
      nodes.put(node, new Announcement(members, departed, r.timestamp()));
    } catch (IOException | RuntimeException e) {
      LOG.warn("skipping a malformed presence record of node {} ({})", LogSafe.of(node),
          LogBusSupport.describe(e));
    }
  }

  static byte[] encode(List<ClusterPresence.Entry> members, boolean departed) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(VERSION);
      out.writeBoolean(departed);
      out.writeInt(members.size());
      for (ClusterPresence.Entry e : members) {
        string(out, e.topic());
        string(out, e.member());
        out.writeInt(e.connections());
        string(out, e.metadataJson());
      }
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e); // a ByteArrayOutputStream does not fail
    }
  }

  private static void string(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String string(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IOException("bad length " + n);
    }
    byte[] b = in.readNBytes(n);
    return new String(b, StandardCharsets.UTF_8);
  }

  /** Stops the reader and the exchange thread, closes the producer; bounded by the publish timeout. */
  void close() {
    stopped = true;
    executor.shutdown();
    try {
      executor.awaitTermination(config.publishTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    KafkaProducer<byte[], byte[]> p = producer;
    if (p != null) {
      p.close(config.publishTimeout());
    }
  }
}
