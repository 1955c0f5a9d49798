package io.livepush.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
  @Test
  void admitsTheBurstThenTheRateOnAFakeClock() {
    AtomicLong now = new AtomicLong();
    TokenBucket bucket = new TokenBucket(10, 3, now::get);
    assertThat(bucket.tryTake()).isTrue();
    assertThat(bucket.tryTake()).isTrue();
    assertThat(bucket.tryTake()).isTrue();
    assertThat(bucket.tryTake()).as("burst spent").isFalse();
    now.addAndGet(100_000_000L); // 100 ms at 10/s: one token
    assertThat(bucket.tryTake()).isTrue();
    assertThat(bucket.tryTake()).isFalse();
    now.addAndGet(10_000_000_000L); // long idle: capped at the burst
    for (int i = 0; i < 3; i++) {
      assertThat(bucket.tryTake()).isTrue();
    }
    assertThat(bucket.tryTake()).isFalse();
  }
}
