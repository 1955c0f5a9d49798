package io.livepush.spring.boot;

import io.livepush.redis.RedisBus;
import io.livepush.spi.EventBus;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The Redis cluster bus ({@link RedisBus}) as the server's {@link EventBus} when livepush-redis is on the class
 * path and {@code livepush.redis.uri} is set. The server starts the bus (context refresh fails if Redis cannot be
 * reached then) and stops it; the health indicator pings it.
 */
@AutoConfiguration(before = LivePushAutoConfiguration.class)
@ConditionalOnClass(RedisBus.class)
@ConditionalOnBooleanProperty(name = "livepush.enabled", matchIfMissing = true)
@ConditionalOnProperty(name = "livepush.redis.uri")
@EnableConfigurationProperties(LivePushProperties.class)
public class LivePushRedisAutoConfiguration {
  /** For Spring. */
  public LivePushRedisAutoConfiguration() {}

  /**
   * The bus, built from {@code livepush.redis.*}; not connected until the server starts.
   *
   * @param properties the bound properties
   * @return the bus
   * @throws IllegalArgumentException if the URI or another value is invalid
   */
  @Bean(destroyMethod = "")
  @ConditionalOnMissingBean(EventBus.class)
  public RedisBus livePushRedisBus(LivePushProperties properties) {
    LivePushProperties.Redis r = properties.redis();
    return RedisBus.builder().uri(r.uri()).keyPrefix(r.keyPrefix()).cluster(r.cluster())
        .maxStreamLength(r.maxStreamLength()).commandTimeout(r.commandTimeout()).build();
  }
}
