package io.livepush.spring.boot;

import io.livepush.sse.SseTransport;

/**
 * A bean that adjusts the {@link SseTransport.Builder} after the {@code livepush.sse.*} properties: routes by
 * principal, application-written streams, computed topics. Its presence alone makes the SSE transport be added
 * (unless {@code livepush.sse.enabled=false}). Runs in {@code @Order} order, once, at context refresh.
 */
@FunctionalInterface
public interface SseTransportCustomizer {
  /**
   * Customizes the builder.
   *
   * @param builder the SSE transport's builder, already configured from properties; not {@code null}
   */
  void customize(SseTransport.Builder builder);
}
