/**
 * livepush's cluster bus on one Kafka topic partition. kafka-clients has no module descriptor nor
 * {@code Automatic-Module-Name}: its automatic module is named from the jar file, {@code kafka.clients}, and is
 * required transitively because {@code ConsumerRecord} appears in {@code KafkaRecordMapper}.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.livepush.kafka {
  requires transitive io.livepush.core;
  requires transitive kafka.clients;
  requires org.slf4j;

  exports io.livepush.kafka;
}
