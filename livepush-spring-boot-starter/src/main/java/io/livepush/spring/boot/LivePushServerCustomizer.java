package io.livepush.spring.boot;

import io.livepush.LivePushServer;

/**
 * A bean that adjusts the {@link LivePushServer.Builder} after the {@code livepush.*} properties, the
 * {@code Authenticator}, {@code TopicAuthorizer} and {@code EventBus} beans were applied, for what properties do not
 * cover: HTTP services, connection listeners, presence, a blocking executor, slow-consumer policies. Customizers
 * run in {@link org.springframework.core.Ordered} / {@code @Order} order, once, on the thread that creates the
 * server bean (context refresh); the last one wins where they set the same option.
 */
@FunctionalInterface
public interface LivePushServerCustomizer {
  /**
   * Customizes the builder.
   *
   * @param builder the server's builder, already configured from properties; not {@code null}
   */
  void customize(LivePushServer.Builder builder);
}
