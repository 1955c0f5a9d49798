package io.livepush.client;

/**
 * What a {@link LivePushClient} delivers, in the order the server sent it: a {@link PushEvent} or a
 * {@link Reset}. Immutable and safe to hand to other threads.
 */
public sealed interface StreamItem permits PushEvent, Reset {
  /**
   * The topic, or {@code null} when the wire does not say: SSE events carry no topic (a stream of one topic, or
   * the payload, tells which), WebSocket events and every {@link Reset} do.
   *
   * @return the topic or {@code null}
   */
  String topic();
}
