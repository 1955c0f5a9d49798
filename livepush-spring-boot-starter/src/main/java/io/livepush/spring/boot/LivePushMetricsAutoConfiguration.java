package io.livepush.spring.boot;

import io.livepush.LivePushServer;
import io.livepush.micrometer.LivePushMeterBinder;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Registers livepush-micrometer's {@link LivePushMeterBinder} for the server bean when livepush-micrometer and
 * Micrometer are on the class path. Spring Boot's metrics auto-configuration binds every {@code MeterBinder} bean
 * to every {@link MeterRegistry} it configures (Prometheus, ...); the binder is closed with the context. Meters:
 * {@code docs/metrics.md}.
 */
@AutoConfiguration(after = LivePushAutoConfiguration.class)
@ConditionalOnClass({LivePushMeterBinder.class, MeterRegistry.class})
@ConditionalOnBean(LivePushServer.class)
public class LivePushMetricsAutoConfiguration {
  /** For Spring. */
  public LivePushMetricsAutoConfiguration() {}

  /**
   * The binder, without extra tags (add common tags with Boot's {@code management.metrics.tags.*}).
   *
   * @param server the server bean
   * @return the binder
   */
  @Bean
  @ConditionalOnMissingBean
  public LivePushMeterBinder livePushMeterBinder(LivePushServer server) {
    return LivePushMeterBinder.of(server);
  }
}
