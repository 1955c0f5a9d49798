package io.livepush.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepush.EventId;
import io.livepush.spi.EventBus;
import io.livepush.spi.PublishedEvent;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Configuration and start failures; no broker needed. */
class KafkaBusBuilderTest {
  @Test
  void defaultsAndSecretsNeverInToString() {
    KafkaBus bus = KafkaBus.builder().bootstrapServers("k1:9092,k2:9092")
        .clientProperty("sasl.jaas.config", "password=\"s3cret\"").build();
    KafkaBusConfig c = bus.config();
    assertThat(c.topic()).isEqualTo("livepush");
    assertThat(c.createTopic()).isTrue();
    assertThat(c.maxBackfillEvents()).isEqualTo(KafkaBusConfig.DEFAULT_MAX_BACKFILL_EVENTS);
    assertThat(c.publishTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.toString()).contains("k1:9092,k2:9092").contains("sasl.jaas.config").doesNotContain("s3cret");
    bus.stop().toCompletableFuture().join();
  }

  @Test
  void invalidSettingsAreRejectedWithTheExpectedRange() {
    assertThatThrownBy(() -> KafkaBus.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("bootstrapServers: none");
    assertThatThrownBy(() -> KafkaBus.builder().bootstrapServers("no port"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bootstrapServers: \"no port\" (expected: host:port[,host:port...])");
    assertThatThrownBy(() -> KafkaBus.builder().topic("a/b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("topic: \"a/b\" (expected: 1..249 of [A-Za-z0-9._-])");
    assertThatThrownBy(() -> KafkaBus.builder().createTopic(true, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("replicationFactor: 0 (expected: -1 or >= 1)");
    assertThatThrownBy(() -> KafkaBus.builder().maxBackfillEvents(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxBackfillEvents: -1 (expected: >= 0)");
    assertThatThrownBy(() -> KafkaBus.builder().publishTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("publishTimeout: PT0S (expected: >= 1 ms)");
    assertThatThrownBy(() -> KafkaBus.builder().maxPendingPublishes(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxPendingPublishes: 0 (expected: >= 1)");
  }

  @Test
  void inputTopicsAreCheckedAndTheGroupDefaultsToTheLogTopicsName() {
    KafkaRecordMapper m = r -> null;
    KafkaBusConfig c = KafkaBus.builder().bootstrapServers("k:9092").topic("log").input("orders", m)
        .input("payments", m).build().config();
    assertThat(c.inputs()).containsOnlyKeys("orders", "payments");
    assertThat(c.inputGroup()).isEqualTo("log.input");
    assertThat(c.inputMaxRecords()).isEqualTo(KafkaBusConfig.DEFAULT_INPUT_MAX_RECORDS);
    assertThat(c.inputTransactionTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(KafkaBus.builder().bootstrapServers("k:9092").inputGroup("g").build().config().inputGroup())
        .isEqualTo("g");
    assertThatThrownBy(() -> KafkaBus.builder().input("a b", m))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("input: \"a b\" (expected: 1..249 of [A-Za-z0-9._-])");
    assertThatThrownBy(() -> KafkaBus.builder().inputGroup(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("inputGroup: \"\" (expected: 1..249 of [A-Za-z0-9._-])");
    assertThatThrownBy(() -> KafkaBus.builder().inputMaxRecords(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("inputMaxRecords: 0 (expected: >= 1)");
    assertThatThrownBy(() -> KafkaBus.builder().bootstrapServers("k:9092").topic("log").input("log", m).build())
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("input: \"log\" (expected: a topic other");
    assertThatThrownBy(() -> KafkaBus.builder().bootstrapServers("k:9092").topic("log").input("log-presence", m)
        .build()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void startFailsWhenKafkaIsUnreachableAndABusServesOneServer() {
    KafkaBus bus = KafkaBus.builder().bootstrapServers("127.0.0.1:1").requestTimeout(Duration.ofMillis(500)).build();
    try {
      var first = bus.start(new NoSink()).toCompletableFuture();
      assertThatThrownBy(() -> bus.start(new NoSink())).isInstanceOf(IllegalStateException.class);
      assertThat(first).failsWithin(Duration.ofSeconds(30))
          .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(KafkaBusException.class);
      assertThat(bus.publish("x", null, io.livepush.Event.Kind.TEXT, new byte[0]))
          .failsWithin(Duration.ofSeconds(1));
    } finally {
      bus.stop().toCompletableFuture().join();
    }
  }

  private static final class NoSink implements EventBus.Sink {
    @Override
    public void append(PublishedEvent event) {}

    @Override
    public void rebase(EventId position) {}

    @Override
    public void gap(EventId from, EventId to) {}
  }
}
