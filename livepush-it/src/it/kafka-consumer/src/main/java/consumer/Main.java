package consumer;

import consumer.check.OneNetty;
import io.livepush.kafka.KafkaBus;

/**
 * livepush-kafka alone: the published jar and its dependencies resolve and converge (one Netty, one slf4j), and a
 * bus builds. No broker here; the cluster tests in livepush-kafka start one.
 */
public final class Main {
  public static void main(String[] args) {
    OneNetty.require(args[0]);
    KafkaBus bus = KafkaBus.builder().bootstrapServers("127.0.0.1:9092").build();
    System.out.println("kafka consumer: " + bus.config().bootstrapServers());
  }
}
