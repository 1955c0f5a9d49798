package io.livepush.spring.example;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.client.PushEvent;
import io.livepush.testing.RedisServerProcess;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two instances of the example against one real redis-server ({@code livepush.redis.uri}): a score posted to
 * one instance's REST API reaches a follower of the other, with the cluster-wide id.
 */
class ExampleRedisClusterTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static ConfigurableApplicationContext node(String redisUri) {
    return new SpringApplicationBuilder(ExampleApplication.class).run("--server.port=0", "--livepush.port=0",
        "--livepush.shutdown.drain=0s", "--livepush.redis.uri=" + redisUri, "--spring.jmx.enabled=false");
  }

  static int port(ConfigurableApplicationContext ctx, String property) {
    return ctx.getEnvironment().getRequiredProperty(property, Integer.class);
  }

  @Test
  void aPublishOnOneInstanceReachesTheFollowersOfTheOther() throws Exception {
    try (RedisServerProcess redis = RedisServerProcess.start();
        ConfigurableApplicationContext a = node(redis.uri());
        ConfigurableApplicationContext b = node(redis.uri())) {
      String token = a.getBean(Tokens.class).issue("carol", Duration.ofMinutes(5));
      URI onB = URI.create("http://127.0.0.1:" + port(b, "local.livepush.port") + "/live/9");
      try (Followers follower = new Followers(c -> c.sse(onB).authorization(() -> "Bearer " + token))) {
        var posted = Followers.post(URI.create("http://127.0.0.1:" + port(a, "local.server.port")
            + "/api/matches/9/score"), token, "{\"home\":4,\"away\":4}");
        assertThat(posted.statusCode()).isEqualTo(200);
        PushEvent e = follower.next();
        assertThat(e.id()).isEqualTo(JSON.readTree(posted.body()).get("id").asText());
        assertThat(JSON.readTree(e.data()).get("away").asInt()).isEqualTo(4);
      }
      var health = Followers.get(URI.create("http://127.0.0.1:" + port(b, "local.server.port")
          + "/actuator/health/livepush"));
      assertThat(JSON.readTree(health.body()).get("details").get("bus").asText()).isEqualTo("reachable");
    }
  }
}
