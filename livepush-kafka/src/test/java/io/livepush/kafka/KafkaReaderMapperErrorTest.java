package io.livepush.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.ReplayConfig;
import io.livepush.testing.ClusterClients;
import io.livepush.testing.DeliveryChecker;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bus's mapper on the log reader, on a real broker: a StackOverflowError on one deeply nested record makes it
 * bad (counted, the records after it delivered); an error of the JVM (InternalError) is not swallowed: the reader
 * stops and the bus reports it ({@link KafkaBus#fatalError()}, {@link KafkaBus#ping()} fails).
 */
class KafkaReaderMapperErrorTest {
  private static KafkaBrokerProcess broker;
  private final ClusterClients harness = new ClusterClients();
  private LivePushServer node;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBrokerProcess.shared();
  }

  @AfterEach
  void stopAll() {
    harness.close();
    if (node != null) {
      node.close();
    }
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, String value, String header) {
    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, 0, "orders".getBytes(StandardCharsets.UTF_8),
        value.getBytes(StandardCharsets.UTF_8));
    if (header != null) {
      r.headers().add(header, new byte[0]);
    }
    return r;
  }

  @Test
  void aMappersStackOverflowIsABadRecordButAJvmErrorStopsTheReaderAndIsReported() throws Exception {
    KafkaRecordMapper mapper = rec -> {
      if (rec.headers().lastHeader("deep") != null) { // a naive recursive parser
        return new KafkaRecordMapper.Mapped("orders", Event.text("depth " + KafkaRecordsTest.depth(rec.value(), 0)));
      }
      if (rec.headers().lastHeader("jvm-error") != null) {
        throw new InternalError("test: the JVM is in trouble");
      }
      return new KafkaRecordMapper.Mapped("orders", Event.text(new String(rec.value(), StandardCharsets.UTF_8)));
    };
    String topic = "livepush-reader-errors";
    KafkaBus bus = KafkaNodeMain.bus(broker.bootstrapServers(), topic).mapper(mapper).build();
    node = KafkaClusterTest.server(bus, ReplayConfig.defaults());
    node.start().join();
    DeliveryChecker checker = harness.checker;
    harness.sse("sse", () -> ClusterClients.sseUri(node.port(), "orders"), null, "orders");
    try (KafkaProducer<byte[], byte[]> other = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 1; i <= 20; i++) {
        other.send(record(topic, "orders/" + i, null));
        checker.published("orders", i);
        if (i == 10) {
          other.send(record(topic, "[".repeat(500_000), "deep"));
        }
      }
      other.flush();
      harness.awaitAllCaughtUp(List.of("sse"), "orders");
      ClusterClients.await("the deep record counted", () -> bus.badRecords() >= 1);
      DeliveryChecker.Report r = checker.check();
      assertThat(r.clean()).as(r.toString()).isTrue();
      assertThat(bus.badRecords()).isEqualTo(1);
      assertThat(bus.fatalError()).isEmpty();
      bus.ping().toCompletableFuture().get(30, TimeUnit.SECONDS);
      other.send(record(topic, "x", "jvm-error")).get(30, TimeUnit.SECONDS);
    }
    ClusterClients.await("the reader stopped by the error", () -> bus.fatalError().isPresent());
    assertThat(bus.fatalError().get()).isInstanceOf(InternalError.class);
    assertThat(bus.badRecords()).as("not a bad record").isEqualTo(1);
    assertThatThrownBy(() -> bus.ping().toCompletableFuture().get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(KafkaBusException.class).hasMessageContaining("reader stopped by")
        .hasMessageContaining("InternalError");
  }
}
