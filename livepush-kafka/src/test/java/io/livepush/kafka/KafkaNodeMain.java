package io.livepush.kafka;

import io.livepush.LivePushServer;
import io.livepush.fixtures.NodeChild;
import io.livepush.sse.SseTransport;
import io.livepush.websocket.WebSocketTransport;
import java.time.Duration;

/**
 * The entry point of a livepush node in a JVM of its own ({@link io.livepush.fixtures.NodeProcess}): SSE on
 * {@code /events}, WebSocket on {@code /ws} and the Kafka bus, on 127.0.0.1 and a free port, built as
 * {@link KafkaClusterTest}'s nodes are ({@link #node(KafkaBus)}). Arguments: the lifetime in seconds, the bootstrap
 * servers, the Kafka topic and optionally an input topic to bridge.
 */
public final class KafkaNodeMain {
  private KafkaNodeMain() {}

  public static void main(String[] args) {
    // Pipelined: several publishes in the producer when the node dies; the Kafka bus keeps one node's publishes
    // in publish order (docs/cluster.md, ordering guarantee), which the checker's sequence numbers need.
    // An optional third argument: an input topic the node bridges (KafkaInputBridgeTest's kill test).
    NodeChild.run(args, a -> node((a.length > 2 ? KafkaInputBridgeTest.bridging(bus(a[0], a[1]), a[2])
        : bus(a[0], a[1])).build()).build(), true);
  }

  /** A node of the kill test, in the child JVM or the test's: SSE, WebSocket, the Kafka bus on {@code topic}. */
  static LivePushServer.Builder node(String bootstrapServers, String topic) {
    return node(bus(bootstrapServers, topic).build());
  }

  /** A Kafka cluster test's node (this class's and {@link KafkaClusterTest}'s): SSE, WebSocket and {@code bus}. */
  static LivePushServer.Builder node(KafkaBus bus) {
    return NodeChild.builder()
        .transport(SseTransport.builder().multiTopicPath("/events").build())
        .transport(WebSocketTransport.builder().build())
        .bus(bus);
  }

  /** The bus of a Kafka cluster test's node on {@code topic}: polled every 100 ms, publishes time out after 1 s. */
  static KafkaBus.Builder bus(String bootstrapServers, String topic) {
    return KafkaBus.builder().bootstrapServers(bootstrapServers).topic(topic)
        .pollInterval(Duration.ofMillis(100)).publishTimeout(Duration.ofSeconds(1));
  }
}
