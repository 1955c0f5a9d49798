package io.livepush.spring.boot;

import io.livepush.websocket.WebSocketTransport;

/**
 * A bean that adjusts the {@link WebSocketTransport.Builder} after the {@code livepush.websocket.*} properties:
 * typically the {@code messageHandler} for client messages. Runs in {@code @Order} order, once, at context
 * refresh.
 */
@FunctionalInterface
public interface WebSocketTransportCustomizer {
  /**
   * Customizes the builder.
   *
   * @param builder the WebSocket transport's builder, already configured from properties; not {@code null}
   */
  void customize(WebSocketTransport.Builder builder);
}
