package io.livepush.spring.boot;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Registers {@link LivePushHealthIndicator} as the health contributor {@code livepush} when Spring Boot's health
 * module (Actuator) is on the class path; off with {@code management.health.livepush.enabled=false}.
 */
@AutoConfiguration(after = LivePushAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(LivePushLifecycle.class)
@ConditionalOnEnabledHealthIndicator("livepush")
public class LivePushHealthAutoConfiguration {
  /** For Spring. */
  public LivePushHealthAutoConfiguration() {}

  /**
   * The indicator, named {@code livepush} (the bean name without its {@code HealthIndicator} suffix).
   *
   * @param lifecycle the server's lifecycle
   * @param properties for the bus ping timeout: the Redis command timeout plus one second
   * @return the indicator
   */
  @Bean
  @ConditionalOnMissingBean(name = "livepushHealthIndicator")
  public LivePushHealthIndicator livepushHealthIndicator(LivePushLifecycle lifecycle, LivePushProperties properties) {
    return new LivePushHealthIndicator(lifecycle, properties.redis().commandTimeout().plusSeconds(1));
  }
}
