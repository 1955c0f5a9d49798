package io.livepush.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisBusBuilderTest {
  @Test
  void defaultsAndHashTaggedKeys() {
    RedisBus bus = RedisBus.builder().uri("redis://localhost:6379").build();
    RedisBusConfig c = bus.config();
    assertThat(c.keyPrefix()).isEqualTo("livepush");
    assertThat(c.key("log")).isEqualTo("{livepush}:log");
    assertThat(c.maxStreamLength()).isEqualTo(RedisBusConfig.DEFAULT_MAX_STREAM_LENGTH);
    assertThat(c.maxBackfillEvents()).isEqualTo(RedisBusConfig.DEFAULT_MAX_BACKFILL_EVENTS);
    assertThat(c.commandTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.toString()).contains("localhost:6379");
    bus.stop().toCompletableFuture().join();
  }

  @Test
  void credentialsNeverAppearInToString() {
    RedisBus bus = RedisBus.builder().uri("redis://user:s3cret@localhost:6379").build();
    assertThat(bus.config().toString()).doesNotContain("s3cret");
    bus.stop().toCompletableFuture().join();
  }

  @Test
  void invalidSettingsAreRejectedWithTheExpectedRange() {
    assertThatThrownBy(() -> RedisBus.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("uri: none");
    assertThatThrownBy(() -> RedisBus.builder().uri("http://nope"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("uri:");
    assertThatThrownBy(() -> RedisBus.builder().keyPrefix("a}b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("keyPrefix: \"a}b\" (expected: 1..64 of [A-Za-z0-9_.:-])");
    assertThatThrownBy(() -> RedisBus.builder().maxStreamLength(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxStreamLength: 0 (expected: >= 1)");
    assertThatThrownBy(() -> RedisBus.builder().maxBackfillEvents(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxBackfillEvents: -1 (expected: >= 0)");
    assertThatThrownBy(() -> RedisBus.builder().commandTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("commandTimeout: PT0S (expected: > 0)");
    assertThatThrownBy(() -> RedisBus.builder().reconnectDelay(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxReconnectDelay: PT1S (expected: >= PT2S)");
    assertThatThrownBy(() -> RedisBus.builder().readBatch(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("readBatch: 0 (expected: >= 1)");
  }

  @Test
  void aBusServesOneServer() {
    RedisBus bus = RedisBus.builder().uri("redis://127.0.0.1:1").commandTimeout(Duration.ofMillis(500)).build();
    try {
      var first = bus.start(new NoSink()).toCompletableFuture();
      assertThatThrownBy(() -> bus.start(new NoSink())).isInstanceOf(IllegalStateException.class);
      assertThat(first).failsWithin(Duration.ofSeconds(5));
    } finally {
      bus.stop().toCompletableFuture().join();
    }
  }

  private static final class NoSink implements io.livepush.spi.EventBus.Sink {
    @Override
    public void append(io.livepush.spi.PublishedEvent event) {}

    @Override
    public void rebase(io.livepush.EventId position) {}

    @Override
    public void gap(io.livepush.EventId from, io.livepush.EventId to) {}
  }
}
