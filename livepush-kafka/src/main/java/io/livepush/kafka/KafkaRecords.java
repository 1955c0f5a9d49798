package io.livepush.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.Topics;
import io.livepush.spi.PublishedEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * livepush's record format and the one validation path every record read goes through. A livepush publish is
 * a record with headers {@value #TOPIC} (the livepush topic), {@value #KIND} ({@code TEXT}, {@code JSON} or
 * {@code BINARY}), optionally {@value #TYPE}, and the payload as value; the key is the livepush topic (so a
 * compacted or keyed consumer elsewhere sees something meaningful). Any other record goes to the
 * {@link KafkaRecordMapper}. Either way the result is validated like a publish before it may become an event.
 *
 * <p>Thread-safe; the counters are shared by the reader and history threads.
 */
final class KafkaRecords {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaRecords.class);
  static final String TOPIC = "livepush.topic";
  static final String TYPE = "livepush.type";
  static final String KIND = "livepush.kind";

  private static final JsonFactory JSON = new JsonFactory();
  private final KafkaRecordMapper mapper;
  private final int maxEventBytes;
  private final ObjectMapper objectMapper = new ObjectMapper();
  private final LongAdder bad = new LongAdder();

  KafkaRecords(KafkaRecordMapper mapper, int maxEventBytes) {
    this.mapper = mapper;
    this.maxEventBytes = maxEventBytes;
  }

  long badRecords() {
    return bad.sum();
  }

  /** A livepush publish as a record of {@code kafkaTopic}'s partition 0. */
  static ProducerRecord<byte[], byte[]> encode(String kafkaTopic, String topic, String type, Event.Kind kind,
      byte[] payload) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(TOPIC, topic.getBytes(StandardCharsets.UTF_8));
    headers.add(KIND, kind.name().getBytes(StandardCharsets.US_ASCII));
    if (type != null) {
      headers.add(TYPE, type.getBytes(StandardCharsets.UTF_8));
    }
    return new ProducerRecord<>(kafkaTopic, 0, null, topic.getBytes(StandardCharsets.UTF_8), payload, headers);
  }

  /**
   * The event record {@code r} carries, with id {@code <epoch>-<offset + 1>}, or {@code null} when it carries
   * none: skipped by the mapper, or bad (counted, logged at debug with its offset only: record contents are
   * not trusted).
   */
  PublishedEvent decode(ConsumerRecord<byte[], byte[]> r, long epoch) {
    try {
      Fields f = r.headers().lastHeader(TOPIC) != null ? livepushFields(r) : mapped(r, mapper);
      return f == null ? null : PublishedEvent.of(f.topic(), EventId.of(epoch, r.offset() + 1), f.type(),
          f.kind(), f.payload());
    } catch (Exception e) { // not only IOException: a Kotlin or Scala mapper may throw any checked exception
      bad.increment();
      LOG.debug("skipping bad record at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), reason(e));
      return null;
    }
  }

  /**
   * Whether an {@link Error} the mapper threw for one record makes only that record bad: a
   * {@link StackOverflowError} (deeply nested input), a {@link LinkageError} (a class the mapper needs failed to
   * load or initialise: {@code NoClassDefFoundError}, {@code ExceptionInInitializerError}) or an
   * {@link AssertionError} (the mapper's own {@code assert} or check failed on this record). Any other error
   * ({@link OutOfMemoryError}, {@link InternalError}, any other {@link VirtualMachineError}) says the JVM is in
   * trouble, not the record: it is not caught and stops the thread (see docs/cluster.md).
   */
  static boolean isRecordError(Error e) {
    return e instanceof StackOverflowError || e instanceof LinkageError || e instanceof AssertionError;
  }

  /**
   * What to log of a bad record's failure: its class only (the message may quote the record, which is not
   * trusted), for an {@link Error} of the mapper the error's class.
   */
  static String reason(Exception e) {
    return e instanceof MapperError ? "the mapper threw " + e.getCause().getClass().getName()
        : e.getClass().getSimpleName();
  }

  /** A per-record {@link Error} of the mapper ({@link #isRecordError}), as a bad record's exception. */
  static final class MapperError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MapperError(Error cause) {
      super(cause.getClass().getName(), cause, false, false); // no stack of its own: the cause has one
    }
  }

  /** A record in livepush's format (header {@value #TOPIC}), validated. */
  private Fields livepushFields(ConsumerRecord<byte[], byte[]> r) throws IOException {
    String topic = utf8(r.headers().lastHeader(TOPIC).value());
    Header k = r.headers().lastHeader(KIND);
    Event.Kind kind = k == null ? null : Event.Kind.valueOf(utf8(k.value()));
    Header y = r.headers().lastHeader(TYPE);
    return validated(topic, y == null ? null : utf8(y.value()), kind, r.value());
  }

  /**
   * A record mapped by {@code m} and validated like a publish, or {@code null} when the mapper skips it. For an
   * input topic's records (the bridge) livepush's headers, if any, are not trusted: the input's mapper decides.
   *
   * @throws IOException or a {@link RuntimeException} when the record is bad (the caller counts it), a
   *     {@link MapperError} when the mapper threw a per-record error ({@link #isRecordError})
   * @throws Error any other error of the mapper, unchanged: the caller's thread stops
   */
  Fields mapped(ConsumerRecord<byte[], byte[]> r, KafkaRecordMapper m) throws IOException {
    if (m == null) {
      throw new IllegalArgumentException("not a livepush record and no mapper configured");
    }
    KafkaRecordMapper.Mapped x;
    try {
      x = m.map(r);
    } catch (Error e) {
      if (isRecordError(e)) {
        throw new MapperError(e);
      }
      throw e;
    }
    return x == null ? null : validated(x.topic(), x.event().type(), x.event().kind(), payloadOf(x.event()));
  }

  private Fields validated(String topic, String type, Event.Kind kind, byte[] payload) throws IOException {
    if (kind == null || payload == null) {
      throw new IllegalArgumentException("no kind or no value");
    }
    validate(topic, type, kind, payload);
    return new Fields(topic, type, kind, payload);
  }

  /** A validated event's parts: a topic that passed {@link Topics#validate}, a legal type, a checked payload. */
  record Fields(String topic, String type, Event.Kind kind, byte[] payload) {}

  private byte[] payloadOf(Event e) throws IOException {
    byte[] bytes = e.bytes();
    return bytes != null ? bytes : objectMapper.writeValueAsBytes(e.jsonValue());
  }

  /** The checks of a publish: topic grammar, event type rules, size bound, UTF-8 text, one JSON value. */
  private void validate(String topic, String type, Event.Kind kind, byte[] payload) throws IOException {
    Topics.validate(topic);
    Event.validateType(type);
    if (payload.length > maxEventBytes) {
      throw new IllegalArgumentException("payload over maxEventBytes");
    }
    if (kind == Event.Kind.TEXT) {
      utf8(payload);
    } else if (kind == Event.Kind.JSON) {
      try (JsonParser p = JSON.createParser(payload)) {
        if (p.nextToken() == null) {
          throw new IllegalArgumentException("empty JSON");
        }
        p.skipChildren();
        if (p.nextToken() != null) {
          throw new IllegalArgumentException("trailing data after JSON value");
        }
      }
    }
  }

  /** Strict UTF-8 decoding: malformed input throws. */
  private static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("malformed UTF-8", e);
    }
  }

}
