package io.livepush.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.LivePushServer;
import io.livepush.redis.RedisBus;
import io.livepush.testing.RedisServerProcess;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code livepush.redis.uri} makes the server a Redis bus node; the health indicator pings Redis (real server). */
class RedisBusHealthTest {
  @Test
  void theBusIsConfiguredFromPropertiesAndItsHealthFollowsRedis() throws Exception {
    try (RedisServerProcess redis = RedisServerProcess.start()) {
      new ApplicationContextRunner().withConfiguration(LivePushAutoConfigurationTest.ALL)
          .withPropertyValues("livepush.port=0", "livepush.host=127.0.0.1", "livepush.shutdown.drain=0s",
              "livepush.redis.uri=" + redis.uri(), "livepush.redis.key-prefix=spring-test",
              "livepush.redis.command-timeout=5s")
          .run(ctx -> {
            assertThat(ctx).hasNotFailed();
            RedisBus bus = ctx.getBean(RedisBus.class);
            assertThat(ctx.getBean(LivePushServer.class).config().bus()).isSameAs(bus);
            assertThat(bus.config().keyPrefix()).isEqualTo("spring-test");
            HealthIndicator health = ctx.getBean("livepushHealthIndicator", HealthIndicator.class);
            Health up = health.health();
            assertThat(up.getStatus()).isEqualTo(Status.UP);
            assertThat(up.getDetails()).containsEntry("bus", "reachable");
            redis.kill();
            Health down = health.health();
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(down.getDetails()).containsKey("bus").doesNotContainEntry("bus", "reachable");
            // and UP again once Redis is back (Lettuce reconnects on its own, with backoff)
            redis.startAgain();
            io.livepush.testing.ClusterClients.await("health UP after Redis restarted",
                () -> health.health().getStatus().equals(Status.UP));
            Health again = health.health();
            assertThat(again.getStatus()).isEqualTo(Status.UP);
            assertThat(again.getDetails()).containsEntry("bus", "reachable");
          });
    }
  }
}
