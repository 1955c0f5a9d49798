package io.livepush.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A throwaway one-node Kafka broker (KRaft, broker and controller) for {@code run.sh bus-compare}: writes its
 * properties into {@code dir}, formats the storage ({@code --standalone}) and runs {@code kafka.Kafka} until
 * killed. Usage: {@code KafkaBrokerLauncher <dir> <port> <controller port>}; loopback only.
 */
public final class KafkaBrokerLauncher {
  private KafkaBrokerLauncher() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]).toAbsolutePath();
    int port = Integer.parseInt(args[1]);
    int controller = Integer.parseInt(args[2]);
    Files.createDirectories(dir);
    Path props = dir.resolve("server.properties");
    Files.writeString(props, String.join("\n",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.bootstrap.servers=127.0.0.1:" + controller,
        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
        "controller.listener.names=CONTROLLER",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs=" + dir.resolve("data"),
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        ""));
    if (!Files.exists(dir.resolve("data").resolve("meta.properties"))) {
      int rc = kafka.tools.StorageTool.execute(new String[] {"format", "-t",
          org.apache.kafka.common.Uuid.randomUuid().toString(), "-c", props.toString(), "--standalone"}, System.out);
      if (rc != 0) {
        System.exit(rc);
      }
    }
    kafka.Kafka.main(new String[] {props.toString()});
  }
}
