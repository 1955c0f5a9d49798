/**
 * A livepush cluster bus on one Kafka topic partition ({@link io.livepush.kafka.KafkaBus}): event ids derive
 * from Kafka offsets, so clients resume across restarts of every node as far back as Kafka retains, and records
 * other services write to the topic reach browsers through a {@link io.livepush.kafka.KafkaRecordMapper}.
 */
package io.livepush.kafka;
