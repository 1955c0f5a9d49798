package io.livepush.kafka;

import io.livepush.LivePushServer;
import io.livepush.fixtures.KillMidStream;
import io.livepush.fixtures.NodeProcess;
import io.livepush.testing.ClusterClients;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A livepush node on Kafka in a JVM of its own killed with SIGKILL mid-stream ({@link KillMidStream}): its SSE and
 * WebSocket clients resume on a node of this JVM, and nothing is lost, repeated or reset.
 */
class KafkaNodeKillTest {
  private static KafkaBrokerProcess broker;
  private final String topic = "livepush-kill-" + System.nanoTime();
  private final List<LivePushServer> nodes = new CopyOnWriteArrayList<>();
  private final ClusterClients harness = new ClusterClients();
  private NodeProcess doomed;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBrokerProcess.shared(); // stopped when the JVM exits
  }

  @AfterEach
  void stopAll() throws InterruptedException {
    try {
      if (doomed != null) {
        doomed.close(); // killed even when the test failed before killing it
      }
    } finally {
      harness.close();
      for (LivePushServer n : nodes) {
        n.close();
      }
    }
  }

  private LivePushServer node() {
    LivePushServer s = KafkaNodeMain.node(broker.bootstrapServers(), topic).build();
    nodes.add(s);
    s.start().join();
    return s;
  }

  @Test
  void clientsOfASigkilledNodeProcessResumeOnAnotherWithoutLossOrRepeat() throws Exception {
    LivePushServer publisher = node();
    LivePushServer survivor = node();
    doomed = NodeProcess.start("kafka-doomed", KafkaNodeMain.class, Duration.ofMinutes(3),
        broker.bootstrapServers(), topic);
    new KillMidStream(harness, doomed, publisher, survivor).run(3, 2); // asserts delivery, epoch, SIGKILL
  }
}
