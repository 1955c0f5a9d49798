package io.livepush.kafka;

import io.livepush.Event;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Maps a record that another service wrote to the bus's topic (one without livepush's {@code livepush.topic}
 * header) to a livepush topic and event, so events produced anywhere reach browsers. What it returns is
 * validated like a publish (topic name, event type, payload size, UTF-8 text, well-formed JSON); a record the
 * mapper throws on or that fails validation is counted ({@link KafkaBus#badRecords()}) and skipped, never
 * delivered half-formed.
 *
 * <pre>{@code
 * // key "order-42", JSON value -> topic "order:42", type from the "event-type" header
 * KafkaRecordMapper orders = record -> {
 *   String key = new String(record.key(), StandardCharsets.UTF_8);
 *   Header type = record.headers().lastHeader("event-type");
 *   Event e = Event.rawJson(new String(record.value(), StandardCharsets.UTF_8));
 *   return new KafkaRecordMapper.Mapped("order:" + key.substring("order-".length()),
 *       type == null ? e : e.withType(new String(type.value(), StandardCharsets.UTF_8)));
 * };
 * }</pre>
 *
 * <p>The same interface maps the records of an input topic ({@link KafkaBus.Builder#input}); there it is called
 * for every record of the topic (livepush's headers are not trusted) and a bad record is counted in
 * {@link KafkaBus#inputBadRecords()}.
 *
 * <p>Threads: called on the bus's reader, history and input bridge threads, one record at a time per thread; it
 * must not block for long (it delays every node's delivery) and must be thread-safe if it keeps state.
 */
@FunctionalInterface
public interface KafkaRecordMapper {

  /**
   * The livepush topic and event for {@code record}, or {@code null} to skip a record that is not meant for
   * browsers (not counted as bad).
   *
   * @param record the record, key and value as bytes (either may be {@code null}); do not keep it
   * @return the mapped record, or {@code null} to skip it
   * @throws RuntimeException to reject the record (counted as bad and skipped; so is a checked exception thrown
   *     undeclared, as Kotlin or Scala code may, and a {@link StackOverflowError}, {@link LinkageError} or
   *     {@link AssertionError}: logged with the record's position and the error's class only). Any other
   *     {@link Error} (e.g. {@link OutOfMemoryError}) stops the calling bus thread: see {@link KafkaBus#fatalError()}
   */
  Mapped map(ConsumerRecord<byte[], byte[]> record);

  /**
   * A mapped record.
   *
   * @param topic the livepush topic (validated like a publish's)
   * @param event the event (type and payload validated like a publish's)
   */
  record Mapped(String topic, Event event) {
    /**
     * Requires both.
     *
     * @param topic the livepush topic
     * @param event the event
     */
    public Mapped {
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(event, "event");
    }
  }
}
