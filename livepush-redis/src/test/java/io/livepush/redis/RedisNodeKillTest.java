package io.livepush.redis;

import io.livepush.LivePushServer;
import io.livepush.fixtures.KillMidStream;
import io.livepush.fixtures.NodeProcess;
import io.livepush.fixtures.RedisCluster;
import io.livepush.testing.ClusterClients;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A livepush node on Redis in a JVM of its own killed with SIGKILL mid-stream ({@link KillMidStream}): its SSE and
 * WebSocket clients resume on a node of this JVM, and nothing is lost, repeated or reset.
 */
class RedisNodeKillTest {
  @RegisterExtension final RedisCluster cluster = new RedisCluster();
  private final ClusterClients harness = cluster.closeAfter(new ClusterClients());

  private LivePushServer node(String name) {
    return cluster.start(RedisNodeMain.node(cluster.busUri(name)));
  }

  @Test
  void clientsOfASigkilledNodeProcessResumeOnAnotherWithoutLossOrRepeat() throws Exception {
    LivePushServer publisher = node("publisher");
    LivePushServer survivor = node("survivor");
    // Killed after the test even when it fails first (closed before the clients, the nodes and Redis).
    NodeProcess doomed = cluster.closeAfter(NodeProcess.start("redis-doomed", RedisNodeMain.class,
        Duration.ofMinutes(3), cluster.busUri("doomed")));
    new KillMidStream(harness, doomed, publisher, survivor).run(3, 2); // asserts delivery, epoch, SIGKILL
  }
}
