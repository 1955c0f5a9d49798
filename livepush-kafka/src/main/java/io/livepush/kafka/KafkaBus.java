package io.livepush.kafka;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.spi.ClusterPresence;
import io.livepush.spi.EventBus;
import io.livepush.spi.LogBusSupport;
import io.livepush.spi.PresenceExchange;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.admin.Admin;

/**
 * A livepush {@link EventBus} on one Kafka topic partition: every node publishes to it and reads all of it, and
 * event ids are Kafka offsets, so they are durable — a client resumes after every livepush node restarted, as far
 * back as Kafka retains the topic.
 *
 * <pre>{@code
 * LivePushServer node = LivePushServer.builder()
 *     .transport(SseTransport.builder().multiTopicPath("/events").build())
 *     .bus(KafkaBus.builder().bootstrapServers("kafka-1:9092,kafka-2:9092").topic("livepush").build())
 *     .build();
 * node.start().join();
 * node.publishAsync("room:1", Event.text("hi"));
 * }</pre>
 *
 * <h2>Ids and order</h2>
 * The record at Kafka offset {@code o} is event {@code <epoch>-<o + 1>} (base 36), where the epoch is 40 bits of
 * the topic's id: at most 22 characters, whatever the number of livepush topics, and the same on SSE and
 * WebSocket. One partition is one total order of every livepush topic, which is what lets one id resume every
 * topic of a connection; the topic must therefore have exactly one partition (the bus creates it so; a topic with
 * more fails the start). A deleted and re-created topic is a new epoch: clients get {@code reset}.
 *
 * <h2>Records</h2>
 * livepush writes records with headers {@code livepush.topic}, {@code livepush.kind} and optionally
 * {@code livepush.type}, key = the livepush topic, value = the payload. Records other producers write to the same
 * topic go through the {@link Builder#mapper mapper}. Every record read is validated like a publish; a bad one is
 * counted ({@link #badRecords()}) and skipped.
 *
 * <h2>Input topics</h2>
 * {@link Builder#input input(kafkaTopic, mapper)} makes topics other services write (any number of partitions)
 * a source of events: every node joins the consumer group {@link KafkaBusConfig#inputGroup()} for them, and its
 * bridge appends each record, mapped and validated, to the log with a transactional producer that commits the
 * input offsets in the same transaction, so every input record becomes exactly one event (a bad one none, counted
 * in {@link #inputBadRecords()}), across rebalances and node stops. Order: per input partition (hence per Kafka
 * key) kept; across partitions, the order the bridges appended them, the same on every node and transport.
 *
 * <h2>Failures</h2>
 * Publishes use an idempotent producer with {@code acks=all}. With Kafka unreachable the first publishes fail
 * after {@link KafkaBusConfig#publishTimeout()} and the following ones at once, with {@link KafkaBusException},
 * until Kafka is back; connected clients stay connected and every node continues reading from its own position.
 * Records removed by retention before a node read them become a {@code reset} ({@code too-old}). A mapper's
 * {@link StackOverflowError}, {@link LinkageError} or {@link AssertionError} makes its record bad; any other
 * {@link Error} on the reader or bridge thread stops that thread ({@link #fatalError()}, {@link #ping()} fails).
 *
 * <h2>Threads</h2>
 * Nothing blocks the caller: a reader thread, a sender thread, a history thread, with inputs a bridge thread
 * (each named {@code livepush-kafka-*}) and kafka-clients' own I/O threads do the work; futures complete on them. One instance
 * serves one server. Presence is cluster-wide ({@link #startPresence}): nodes announce their members on the compacted
 * topic {@code <topic>-presence}.
 */
public final class KafkaBus implements EventBus {
  private final KafkaBusConfig config;
  private final KafkaClients clients;
  private final KafkaRecords records;
  private final EpochHolder epoch = new EpochHolder();
  private final AtomicBoolean started = new AtomicBoolean();
  private final LongAdder historyReads = new LongAdder();
  private volatile Admin admin;
  private volatile KafkaLogReader reader;
  private volatile KafkaPublisher publisher;
  private volatile KafkaHistoryReader history;
  private volatile KafkaInputBridge bridge;
  /** This node in the presence topic: random, so a restarted node never inherits a dead one's members. */
  private final String nodeId = LogBusSupport.newNodeId();
  private volatile PresenceExchange presence;
  private volatile KafkaPresence presenceStore;
  private CompletableFuture<Void> stopping;

  private KafkaBus(KafkaBusConfig config) {
    this.config = config;
    this.clients = new KafkaClients(config);
    this.records = new KafkaRecords(config.mapper(), config.maxEventBytes());
  }

  /**
   * A builder with every default from {@link KafkaBusConfig}.
   *
   * @return a builder with every default from {@link KafkaBusConfig}
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The configuration.
   *
   * @return the configuration
   */
  public KafkaBusConfig config() {
    return config;
  }

  /**
   * How many resumes read history from Kafka (their range was older than the node's local log).
   *
   * @return how many resumes read history from Kafka (their range was older than the node's local log)
   */
  public long historyReads() {
    return historyReads.sum();
  }

  /**
   * Records read (live or for history) that were skipped as bad: not livepush's format and rejected by the
   * mapper (or no mapper), or invalid as a publish (topic, type, size, UTF-8, JSON).
   *
   * @return how many records were skipped as bad since the bus started
   */
  public long badRecords() {
    KafkaInputBridge b = bridge;
    return records.badRecords() + (b == null ? 0 : b.bad());
  }

  /**
   * Input-topic records this node's bridge appended to the log (see {@link Builder#input}), counted once their
   * transaction committed; across the nodes of a cluster the sums count every good input record exactly once.
   *
   * @return how many input records this node bridged since the bus started
   */
  public long inputRecords() {
    KafkaInputBridge b = bridge;
    return b == null ? 0 : b.bridged();
  }

  /**
   * Input-topic records this node's bridge skipped as bad (the mapper threw, or the mapped event failed the checks
   * of a publish), counted once their offsets were committed; they are also in {@link #badRecords()}. Across the
   * nodes of a cluster the sums count every bad input record exactly once.
   *
   * @return how many input records this node skipped as bad since the bus started
   */
  public long inputBadRecords() {
    KafkaInputBridge b = bridge;
    return b == null ? 0 : b.bad();
  }

  /**
   * Input transactions this node's bridge aborted (a failure or fencing; their records were read again).
   *
   * @return how many bridge transactions were aborted since the bus started
   */
  public long inputAbortedTransactions() {
    KafkaInputBridge b = bridge;
    return b == null ? 0 : b.aborted();
  }

  /**
   * The {@link Error} that stopped this node's log reader or input bridge thread, if one did: any error but a
   * mapper's per-record {@link StackOverflowError}, {@link LinkageError} or {@link AssertionError} (those make the
   * record bad), e.g. {@link OutOfMemoryError}. A stopped reader means this node no longer receives the cluster's
   * events; a stopped bridge left the input group (its open transaction aborted), so the other nodes bridge its
   * partitions. It was logged at ERROR; {@link #ping()} then fails. Restart the node ({@link #stop()} still works).
   *
   * @return the error, or empty while both threads run (or were stopped by {@link #stop()})
   */
  public java.util.Optional<Error> fatalError() {
    KafkaLogReader r = reader;
    KafkaInputBridge b = bridge;
    Error e = r == null ? null : r.fatal();
    if (e == null && b != null) {
      e = b.fatal();
    }
    return java.util.Optional.ofNullable(e);
  }

  /**
   * Health check ({@link EventBus#ping()}): fails at once with {@link KafkaBusException} when the reader or the
   * input bridge was stopped by an error ({@link #fatalError()}) or the bus is not started; otherwise asks Kafka
   * for its cluster id ({@code describeCluster}), failing with the admin client's exception when no broker answers
   * within {@link KafkaBusConfig#requestTimeout()}. Never blocks.
   *
   * @return completes, on a kafka-clients thread, once a broker answered and both threads run
   */
  @Override
  public CompletionStage<Void> ping() {
    java.util.Optional<Error> fatal = fatalError();
    if (fatal.isPresent()) {
      String which = reader != null && reader.fatal() != null ? "reader" : "input bridge";
      return CompletableFuture.failedFuture(new KafkaBusException(
          "kafka bus " + which + " stopped by " + fatal.get().getClass().getName(), fatal.get()));
    }
    Admin a = admin;
    if (a == null) {
      return CompletableFuture.failedFuture(new KafkaBusException("bus not started", null));
    }
    return a.describeCluster(new org.apache.kafka.clients.admin.DescribeClusterOptions()
        .timeoutMs((int) Math.min(Integer.MAX_VALUE, config.requestTimeout().toMillis())))
        .clusterId().toCompletionStage().thenApply(id -> (Void) null);
  }

  /** For tests: the next {@code n} bridge transactions of this node fail before their commit. */
  void failInputCommits(int n) {
    bridge.failBeforeCommit(n);
  }

  /**
   * Resume by time ({@link EventBus#positionAt}): the position just before the first record written at or after
   * {@code time} (Kafka's record timestamps, {@code offsetsForTimes}), or the end of the log when none is that
   * recent: resuming from it delivers everything from {@code time} on. When that record is the first retained
   * one and retention removed records before it, the position is below the log start, so the resume gets a
   * {@code too-old} reset (the removed records may have been that recent). The core calls it for SSE
   * {@code ?since=} and WebSocket {@code "from":"<time>"}; applications may call it too. Never blocks; completes
   * on the bus's history thread (one lookup at a time, at most 64 queued), exceptionally with
   * {@link KafkaBusException} when Kafka cannot be read within {@link KafkaBusConfig#requestTimeout()} or the
   * bus is not started.
   *
   * @param time the instant to resume from; not {@code null}
   * @return the position (an id) to resume from
   */
  @Override
  public CompletionStage<EventId> positionAt(Instant time) {
    Objects.requireNonNull(time, "time");
    KafkaHistoryReader h = history;
    if (h == null) {
      return CompletableFuture.failedFuture(new KafkaBusException("bus not started", null));
    }
    return h.positionAt(time).minimalCompletionStage();
  }

  /** For tests: this node stops (or resumes) reading the log, as a stalled node would. */
  void pauseReading(boolean pause) {
    reader.pause(pause);
  }

  @Override
  public CompletionStage<Void> start(Sink sink) {
    Objects.requireNonNull(sink, "sink");
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("a KafkaBus serves one server and starts once");
    }
    admin = clients.admin();
    reader = new KafkaLogReader(config, clients, admin, records, sink, epoch, topic -> {
      PresenceExchange p = presence;
      if (p != null) {
        p.read(topic);
      }
    });
    history = new KafkaHistoryReader(config, clients, records, epoch);
    return reader.start().thenRun(() -> {
      publisher = new KafkaPublisher(config, clients, admin, epoch);
      if (!config.inputs().isEmpty()) {
        KafkaInputBridge b = new KafkaInputBridge(config, clients, records, nodeId, admin);
        bridge = b;
        b.start(); // after the reader joined: the log topic exists
      }
    }).minimalCompletionStage();
  }

  @Override
  public CompletionStage<EventId> publish(String topic, String type, Event.Kind kind, byte[] payload) {
    KafkaPublisher p = publisher;
    if (p == null) {
      return CompletableFuture.failedFuture(new KafkaBusException("bus not started", null));
    }
    PresenceExchange x = presence;
    if (x != null) {
      x.publishing(topic); // this node's members changed: announce them (the readers sync soon after the event)
    }
    return p.publish(topic, type, kind, payload);
  }

  /**
   * Cluster-wide presence on the compacted topic {@code <topic>-presence} (created with one partition when
   * {@link KafkaBusConfig#createTopic()}; else create it so, with {@code cleanup.policy=compact} and
   * {@code message.timestamp.type=LogAppendTime}: without it presence stays per node, logged once); see
   * docs/cluster.md "Presence with Kafka". Never blocks: the topic is created and read on the bus's presence
   * threads.
   *
   * @param clusterPresence this node's presence
   * @return {@code true}: presence is cluster-wide
   */
  @Override
  public boolean startPresence(ClusterPresence clusterPresence) {
    Objects.requireNonNull(clusterPresence, "presence");
    clusterPresence.nodeId(nodeId);
    KafkaPresence store = new KafkaPresence(config, clients, nodeId);
    presenceStore = store;
    PresenceExchange p = new PresenceExchange(clusterPresence, store.scheduler(), config.presenceInterval(),
        store::sync);
    presence = p;
    store.scheduler().execute(() -> {
      try {
        if (!clients.ensurePresenceTopic(admin)) {
          // createTopic(false) and nobody created it: say so once instead of failing every exchange
          org.slf4j.LoggerFactory.getLogger(KafkaBus.class).warn("presence topic {} does not exist (createTopic is"
              + " off): presence stays per node; create it compacted, with one partition", config.presenceTopic());
          p.stop();
          return;
        }
      } catch (RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(KafkaBus.class).warn("presence topic {}: {}", config.presenceTopic(),
            LogBusSupport.describe(e)); // the exchanges then fail (logged) until it exists
      }
      store.start();
      p.start();
    });
    return true;
  }

  /**
   * For tests: this node stops announcing its presence members without departing, as if it had crashed, so the
   * other nodes drop them after the expiry.
   */
  void pausePresence() {
    presence.pause();
  }

  @Override
  public CompletionStage<History> history(Collection<String> topics, EventId after, EventId upTo) {
    History answer = LogBusSupport.answerWithoutReading(after, upTo, config.maxBackfillEvents());
    if (answer != null) {
      return CompletableFuture.completedFuture(answer);
    }
    KafkaHistoryReader h = history;
    if (h == null) {
      return CompletableFuture.failedFuture(new KafkaBusException("bus not started", null));
    }
    historyReads.increment();
    return h.history(topics, after, upTo);
  }

  @Override
  public synchronized CompletionStage<Void> stop() {
    if (stopping != null) {
      return stopping;
    }
    // Closing Kafka clients blocks (bounded by the publish timeout): on a thread of its own, never the caller's.
    PresenceExchange x = presence;
    KafkaPresence store = presenceStore;
    stopping = CompletableFuture.runAsync(() -> {
      KafkaInputBridge b = bridge;
      if (b != null) {
        b.stop(); // commits its batch and leaves the group first: the other nodes take its partitions at once
      }
      if (x != null) {
        // Leave our members for another node to reap (and announce their leaves) at its next exchange.
        if (!x.paused()) {
          store.depart(x.presence().localMembers()).join();
        }
        x.stop();
        store.close();
      }
      KafkaLogReader r = reader;
      if (r != null) {
        r.stop();
      }
      KafkaHistoryReader h = history;
      if (h != null) {
        h.close();
      }
      KafkaPublisher p = publisher;
      if (p != null) {
        p.close();
      }
      Admin a = admin;
      if (a != null) {
        a.close(config.requestTimeout());
      }
    }, r -> {
      Thread t = new Thread(r, "livepush-kafka-stop");
      t.setDaemon(true);
      t.start();
    });
    return stopping;
  }

  /** The epoch of the topic incarnation the reader follows; written by the reader, read by all. */
  static final class EpochHolder {
    private volatile long epoch = -1;

    long get() {
      return epoch;
    }

    void set(long epoch) {
      this.epoch = epoch;
    }
  }

  /**
   * Builds a {@link KafkaBus}. Setters validate eagerly and throw {@link IllegalArgumentException} with the shape
   * {@code "name: value (expected: ...)"}.
   */
  public static final class Builder {
    String bootstrapServers;
    String topic = KafkaBusConfig.DEFAULT_TOPIC;
    boolean createTopic = true;
    short replicationFactor = -1;
    final Map<String, Object> clientProperties = new HashMap<>();
    int maxBackfillEvents = KafkaBusConfig.DEFAULT_MAX_BACKFILL_EVENTS;
    Duration publishTimeout = KafkaBusConfig.DEFAULT_PUBLISH_TIMEOUT;
    Duration requestTimeout = KafkaBusConfig.DEFAULT_REQUEST_TIMEOUT;
    Duration pollInterval = KafkaBusConfig.DEFAULT_POLL_INTERVAL;
    Duration epochCheckInterval = KafkaBusConfig.DEFAULT_EPOCH_CHECK_INTERVAL;
    int maxPendingPublishes = KafkaBusConfig.DEFAULT_MAX_PENDING_PUBLISHES;
    int maxEventBytes = KafkaBusConfig.DEFAULT_MAX_EVENT_BYTES;
    KafkaRecordMapper mapper;
    Duration presenceInterval = KafkaBusConfig.DEFAULT_PRESENCE_INTERVAL;
    Duration presenceExpiry = KafkaBusConfig.DEFAULT_PRESENCE_EXPIRY;
    final Map<String, KafkaRecordMapper> inputs = new java.util.LinkedHashMap<>();
    String inputGroup;
    int inputMaxRecords = KafkaBusConfig.DEFAULT_INPUT_MAX_RECORDS;
    Duration inputTransactionTimeout = KafkaBusConfig.DEFAULT_INPUT_TRANSACTION_TIMEOUT;

    private Builder() {}

    /**
     * Cluster-wide presence: every {@code interval} a node re-announces its members on the compacted topic
     * {@code <topic>-presence}; a node silent for {@code expiry} (crashed, partitioned) is dead, its members
     * dropped and their {@code presence.leave} announced by one other node. Defaults 2 s and 10 s.
     *
     * @param interval the announcement period, positive
     * @param expiry the silence after which a node is dead, at least {@code 2 x interval}
     * @return this builder
     * @throws NullPointerException if either is {@code null}
     * @throws IllegalArgumentException if either is not positive or {@code expiry} is under 2 x {@code interval}
     */
    public Builder presenceInterval(Duration interval, Duration expiry) {
      LogBusSupport.presenceTimes(interval, expiry);
      this.presenceInterval = interval;
      this.presenceExpiry = expiry;
      return this;
    }

    /**
     * Kafka's {@code bootstrap.servers}: {@code host:port[,host:port...]}. Required.
     *
     * @param servers the servers
     * @return this builder
     */
    public Builder bootstrapServers(String servers) {
      Objects.requireNonNull(servers, "bootstrapServers");
      if (!servers.matches("[A-Za-z0-9._\\-\\[\\]:]+:[0-9]{1,5}(,[A-Za-z0-9._\\-\\[\\]:]+:[0-9]{1,5})*")) {
        throw new IllegalArgumentException("bootstrapServers: \"" + servers.replaceAll("[^ -~]", "?")
            + "\" (expected: host:port[,host:port...])");
      }
      this.bootstrapServers = servers;
      return this;
    }

    /**
     * The Kafka topic that is the cluster log; default {@value KafkaBusConfig#DEFAULT_TOPIC}. Nodes with the same
     * servers and topic form one livepush cluster. It must have one partition.
     *
     * @param topic a legal Kafka topic name
     * @return this builder
     */
    public Builder topic(String topic) {
      this.topic = kafkaName("topic", topic);
      return this;
    }

    /** A legal Kafka topic (or group) name, else the builders' message shape. */
    private static String kafkaName(String what, String name) {
      Objects.requireNonNull(name, what);
      if (name.isEmpty() || name.length() > 249 || !name.matches("[A-Za-z0-9._-]+") || name.equals(".")
          || name.equals("..")) {
        throw new IllegalArgumentException(what + ": \"" + name.replaceAll("[^ -~]", "?")
            + "\" (expected: 1..249 of [A-Za-z0-9._-])");
      }
      return name;
    }

    /**
     * Bridges {@code kafkaTopic}, a topic other services write (any number of partitions), into the log: every
     * node joins the consumer group {@link #inputGroup} for the input topics, maps each record with
     * {@code mapper} (called on the bridge thread; livepush's headers on input records are not trusted), validates
     * it like a publish and appends it to the log topic in a transaction that also commits the input offsets, so
     * each input record becomes exactly one event (a bad or skipped one none). Call once per input topic; the
     * same topic again replaces its mapper. See docs/cluster.md "Input topics".
     *
     * @param kafkaTopic a legal Kafka topic name, not the log topic nor its presence topic
     * @param mapper maps its records to livepush topics and events
     * @return this builder
     * @throws IllegalArgumentException if {@code kafkaTopic} is not a legal Kafka topic name
     */
    public Builder input(String kafkaTopic, KafkaRecordMapper mapper) {
      inputs.put(kafkaName("input", kafkaTopic), Objects.requireNonNull(mapper, "mapper"));
      return this;
    }

    /**
     * The consumer group of the input bridges; default {@code <topic>.input}. Nodes of one cluster must share it
     * (Kafka splits the input partitions among its members); two clusters bridging the same input need two.
     *
     * @param groupId 1..249 of {@code [A-Za-z0-9._-]}
     * @return this builder
     * @throws IllegalArgumentException if {@code groupId} does not match
     */
    public Builder inputGroup(String groupId) {
      this.inputGroup = kafkaName("inputGroup", groupId);
      return this;
    }

    /**
     * Most input records one bridge poll takes ({@code max.poll.records}), hence one transaction carries (and the
     * most records a failed transaction reads again); default 500.
     *
     * @param n at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code n} is under 1
     */
    public Builder inputMaxRecords(int n) {
      this.inputMaxRecords = LogBusSupport.atLeast("inputMaxRecords", n, 1);
      return this;
    }

    /**
     * {@code transaction.timeout.ms} of the bridge's transactions; default 10 s. A node that dies with a
     * transaction open holds back every {@code read_committed} reader of the log (all livepush delivery) until
     * the broker aborts it: this long, plus up to the broker's
     * {@code transaction.abort.timed.out.transaction.cleanup.interval.ms} (10 s by default).
     *
     * @param timeout at least 1 ms, and at most the broker's {@code transaction.max.timeout.ms}
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is under 1 ms
     */
    public Builder inputTransactionTimeout(Duration timeout) {
      this.inputTransactionTimeout = LogBusSupport.atLeastOneMilli("inputTransactionTimeout", timeout);
      return this;
    }

    /**
     * Whether the bus creates the topic (one partition, {@code replicationFactor}) when missing; default
     * {@code true}, with the broker's default replication factor.
     *
     * @param create whether to create it
     * @param replicationFactor its replication factor, or -1 for the broker's default
     * @return this builder
     */
    public Builder createTopic(boolean create, int replicationFactor) {
      if (replicationFactor != -1 && (replicationFactor < 1 || replicationFactor > Short.MAX_VALUE)) {
        throw new IllegalArgumentException("replicationFactor: " + replicationFactor + " (expected: -1 or >= 1)");
      }
      this.createTopic = create;
      this.replicationFactor = (short) replicationFactor;
      return this;
    }

    /**
     * An extra client property (security, {@code client.rack}, ...) for the producer, the consumers and the admin
     * client. livepush's own settings (acks, idempotence, timeouts, serializers, no group) win over these.
     *
     * @param name the Kafka client property
     * @param value its value
     * @return this builder
     */
    public Builder clientProperty(String name, Object value) {
      clientProperties.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Most events one resume reads back from Kafka; default 10 000. A resume further back is {@code reset}.
     *
     * @param n at least 0
     * @return this builder
     */
    public Builder maxBackfillEvents(int n) {
      this.maxBackfillEvents = LogBusSupport.atLeast("maxBackfillEvents", n, 0);
      return this;
    }

    /**
     * Bound on one publish, until the broker acknowledged it; default 2 s.
     *
     * @param timeout positive, at least 1 ms
     * @return this builder
     */
    public Builder publishTimeout(Duration timeout) {
      this.publishTimeout = LogBusSupport.atLeastOneMilli("publishTimeout", timeout);
      return this;
    }

    /**
     * Bound on one history read, one start-up step and one metadata request; default 5 s.
     *
     * @param timeout positive, at least 1 ms
     * @return this builder
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = LogBusSupport.atLeastOneMilli("requestTimeout", timeout);
      return this;
    }

    /**
     * The reader's poll timeout; default 500 ms.
     *
     * @param interval positive, at least 1 ms
     * @return this builder
     */
    public Builder pollInterval(Duration interval) {
      this.pollInterval = LogBusSupport.atLeastOneMilli("pollInterval", interval);
      return this;
    }

    /**
     * How often the reader checks that the topic was not re-created (new epoch); default 5 s.
     *
     * @param interval positive, at least 1 ms
     * @return this builder
     */
    public Builder epochCheckInterval(Duration interval) {
      this.epochCheckInterval = LogBusSupport.atLeastOneMilli("epochCheckInterval", interval);
      return this;
    }

    /**
     * Publishes waiting for the sender thread, at most; default 10 000. One more fails at once.
     *
     * @param n at least 1
     * @return this builder
     */
    public Builder maxPendingPublishes(int n) {
      this.maxPendingPublishes = LogBusSupport.atLeast("maxPendingPublishes", n, 1);
      return this;
    }

    /**
     * Largest payload of a record read, in bytes; larger records are bad. Default 1 MiB (the core's default
     * {@code maxEventBytes}; keep them equal).
     *
     * @param n at least 1
     * @return this builder
     */
    public Builder maxEventBytes(int n) {
      this.maxEventBytes = LogBusSupport.atLeast("maxEventBytes", n, 1);
      return this;
    }

    /**
     * Maps records other services write to the topic (without livepush's headers) to livepush events; without
     * one such records are bad (counted and skipped).
     *
     * @param mapper the mapper
     * @return this builder
     */
    public Builder mapper(KafkaRecordMapper mapper) {
      this.mapper = Objects.requireNonNull(mapper, "mapper");
      return this;
    }

    /**
     * Builds the bus (not connected: the server connects it on start).
     *
     * @return the bus
     * @throws IllegalStateException if no {@link #bootstrapServers} were given, or an {@link #input} is the log
     *     topic or its presence topic
     */
    public KafkaBus build() {
      if (bootstrapServers == null) {
        throw new IllegalStateException("bootstrapServers: none (expected: e.g. localhost:9092)");
      }
      for (String in : inputs.keySet()) {
        if (in.equals(topic) || in.equals(topic + "-presence")) {
          throw new IllegalStateException("input: \"" + in + "\" (expected: a topic other than the log topic "
              + topic + " and its presence topic)");
        }
      }
      return new KafkaBus(new KafkaBusConfig(this));
    }
  }
}
