package io.livepush.redis;

import io.livepush.LivePushServer;
import io.livepush.fixtures.NodeChild;
import io.livepush.sse.SseTransport;
import io.livepush.websocket.WebSocketTransport;
import java.time.Duration;

/**
 * The entry point of a livepush node in a JVM of its own ({@link io.livepush.fixtures.NodeProcess}): SSE on
 * {@code /events}, WebSocket on {@code /ws} and the Redis bus, on 127.0.0.1 and a free port, configured like
 * {@link ClusterTest}'s nodes. Arguments: the lifetime in seconds, the Redis URI.
 */
public final class RedisNodeMain {
  private RedisNodeMain() {}

  public static void main(String[] args) {
    // One publish at a time: the Redis bus documents no order between concurrent publishes of one node.
    NodeChild.run(args, a -> node(a[0]).build(), false);
  }

  /** A node of the kill test, in the child JVM or the test's: SSE, WebSocket, the Redis bus on {@code uri}. */
  static LivePushServer.Builder node(String uri) {
    return NodeChild.builder()
        .transport(SseTransport.builder().multiTopicPath("/events").build())
        .transport(WebSocketTransport.builder().build())
        .bus(RedisBus.builder().uri(uri).pollInterval(Duration.ofMillis(200)).build());
  }
}
