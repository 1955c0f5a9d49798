/**
 * livepush's cluster bus on one Kafka topic partition. kafka-clients has no module descriptor and no
 * {@code Automatic-Module-Name}, so its automatic module name comes from the jar's file name
 * ({@code kafka.clients}); it is required transitively because {@code ConsumerRecord} appears in
 * {@link io.livepush.kafka.KafkaRecordMapper}.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.livepush.kafka {
  requires transitive io.livepush.core;
  requires transitive kafka.clients;
  requires com.fasterxml.jackson.core;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;

  exports io.livepush.kafka;
}
