package consumer;

import consumer.check.OneNetty;
import io.livepush.kafka.KafkaBus;

/** livepush-kafka alone: a bus is built (no broker here; the module's own tests run one). */
public final class Main {
  public static void main(String[] args) {
    OneNetty.require(args[0]);
    KafkaBus bus = KafkaBus.builder().bootstrapServers("127.0.0.1:9092").topic("livepush").build();
    System.out.println("kafka consumer: " + bus.config());
  }
}
