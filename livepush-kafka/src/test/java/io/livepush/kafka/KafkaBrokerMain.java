package io.livepush.kafka;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The entry point of the broker JVM that {@link KafkaBrokerProcess} starts: formats the KRaft storage on first
 * start (the {@code kafka-storage format --standalone} step, in-process to save a JVM start), then runs
 * {@code kafka.Kafka} until killed. Arguments: the properties file, the cluster id.
 */
public final class KafkaBrokerMain {
  private KafkaBrokerMain() {}

  public static void main(String[] args) throws Exception {
    Path props = Path.of(args[0]);
    String clusterId = args[1];
    Path dataDir = props.resolveSibling("data");
    if (!Files.exists(dataDir.resolve("meta.properties"))) {
      int rc = kafka.tools.StorageTool.execute(new String[] {
          "format", "-t", clusterId, "-c", props.toString(), "--standalone", "--ignore-formatted"}, System.out);
      if (rc != 0) {
        System.exit(rc);
      }
    }
    kafka.Kafka.main(new String[] {props.toString()});
  }
}
