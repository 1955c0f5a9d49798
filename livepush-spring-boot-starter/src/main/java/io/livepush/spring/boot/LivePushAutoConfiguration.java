package io.livepush.spring.boot;

import io.livepush.Authenticator;
import io.livepush.LivePushServer;
import io.livepush.TopicAuthorizer;
import io.livepush.spi.EventBus;
import io.livepush.longpoll.LongPollTransport;
import io.livepush.sse.SseTransport;
import io.livepush.websocket.WebSocketTransport;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The livepush server as a bean: built from {@link LivePushProperties}, then the application's
 * {@link Authenticator}, {@link TopicAuthorizer} and {@link EventBus} beans (if any; one of each), then the
 * {@link LivePushServerCustomizer}, {@link SseTransportCustomizer} and {@link WebSocketTransportCustomizer} beans;
 * started and stopped by {@link LivePushLifecycle}. Off with {@code livepush.enabled=false}; an application that
 * defines its own {@link LivePushServer} bean keeps it (and gets the lifecycle for it).
 */
@AutoConfiguration
@ConditionalOnClass(LivePushServer.class)
@ConditionalOnBooleanProperty(name = "livepush.enabled", matchIfMissing = true)
@EnableConfigurationProperties(LivePushProperties.class)
public class LivePushAutoConfiguration {
  /** For Spring. */
  public LivePushAutoConfiguration() {}

  /**
   * The server, not started (see {@link #livePushLifecycle}).
   *
   * @param properties the bound {@code livepush.*} properties
   * @param authenticator the application's authenticator bean, if one
   * @param authorizer the application's topic authorizer bean, if one
   * @param bus the cluster bus bean (the Redis auto-configuration's, or the application's), if one
   * @param customizers server customizers, in order
   * @param sseCustomizers SSE transport customizers, in order
   * @param webSocketCustomizers WebSocket transport customizers, in order
   * @return the configured server
   * @throws IllegalArgumentException if a property has an invalid value (the message names it)
   * @throws IllegalStateException if neither transport has anything to serve
   */
  @Bean
  @ConditionalOnMissingBean
  public LivePushServer livePushServer(LivePushProperties properties, ObjectProvider<Authenticator> authenticator,
      ObjectProvider<TopicAuthorizer> authorizer, ObjectProvider<EventBus> bus,
      ObjectProvider<LivePushServerCustomizer> customizers, ObjectProvider<SseTransportCustomizer> sseCustomizers,
      ObjectProvider<WebSocketTransportCustomizer> webSocketCustomizers) {
    LivePushServer.Builder builder = LivePushServer.builder();
    PropertiesMapper.server(properties, builder);
    List<SseTransportCustomizer> sse = sseCustomizers.orderedStream().toList();
    if (properties.sse().enabled() && (PropertiesMapper.hasSseRoutes(properties) || !sse.isEmpty())) {
      SseTransport.Builder b = SseTransport.builder();
      PropertiesMapper.sse(properties, b);
      sse.forEach(c -> c.customize(b));
      builder.transport(b.build());
    }
    if (properties.websocket().enabled()) {
      WebSocketTransport.Builder b = WebSocketTransport.builder();
      PropertiesMapper.webSocket(properties, b);
      webSocketCustomizers.orderedStream().forEach(c -> c.customize(b));
      builder.transport(b.build());
    }
    if (properties.longpoll().path() != null) {
      LongPollTransport.Builder b = LongPollTransport.builder();
      PropertiesMapper.longPoll(properties, b);
      builder.transport(b.build());
    }
    authenticator.ifUnique(builder::authenticator);
    authorizer.ifUnique(builder::topicAuthorizer);
    bus.ifUnique(builder::bus);
    customizers.orderedStream().forEach(c -> c.customize(builder));
    return builder.build();
  }

  /**
   * Starts the server with the context and stops it, drained, after the web server (see
   * {@link LivePushLifecycle}).
   *
   * @param server the server bean
   * @param environment receives {@value LivePushLifecycle#PORT_PROPERTY}
   * @return the lifecycle
   */
  @Bean
  @ConditionalOnMissingBean
  public LivePushLifecycle livePushLifecycle(LivePushServer server, Environment environment) {
    return new LivePushLifecycle(server, environment);
  }
}
