package io.livepush.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** The one validation path of every record read: hostile records are counted bad and never become events. */
class KafkaRecordsTest {

  private static ConsumerRecord<byte[], byte[]> record(byte[] value, String topic, byte[] type, String kind) {
    RecordHeaders h = new RecordHeaders();
    if (topic != null) {
      h.add(KafkaRecords.TOPIC, topic.getBytes(StandardCharsets.UTF_8));
    }
    if (type != null) {
      h.add(KafkaRecords.TYPE, type);
    }
    if (kind != null) {
      h.add(KafkaRecords.KIND, kind.getBytes(StandardCharsets.UTF_8));
    }
    return new ConsumerRecord<>("log", 0, 7, 0L, TimestampType.CREATE_TIME, -1, -1, null, value, h,
        Optional.empty());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> T sneaky(Throwable t) throws T {
    throw (T) t;
  }

  @Test
  void hostileLivepushFormatRecordsAreBad() {
    KafkaRecords records = new KafkaRecords(null, 1 << 20);
    assertThat(records.decode(record(utf8("hi"), "t", null, "TEXT"), 1)).as("control").isNotNull();
    int bad = 0;
    for (String topic : new String[] {"t\r\nevent: x", "t\n", "t\u0000", "t\u010A"}) {
      assertThat(records.decode(record(utf8("hi"), topic, null, "TEXT"), 1)).as(topic).isNull();
      bad++;
    }
    for (String type : new String[] {"a\r\ndata: x", "a\r", "a\u0000", ""}) {
      assertThat(records.decode(record(utf8("hi"), "t", utf8(type), "TEXT"), 1)).as(type).isNull();
      bad++;
    }
    byte[] invalid = {'a', (byte) 0xC0, (byte) 0x8A, 'b'}; // overlong LF
    assertThat(records.decode(record(invalid, "t", null, "TEXT"), 1)).isNull();
    assertThat(records.decode(record(utf8("t"), "t", new byte[] {(byte) 0xFF}, "TEXT"), 1)).isNull();
    assertThat(records.decode(record(utf8("{\"a\":\r\n1} x"), "t", null, "JSON"), 1)).isNull();
    assertThat(records.decode(record(null, "t", null, "TEXT"), 1)).as("null value").isNull();
    assertThat(records.decode(record(utf8("hi"), "t", null, "NOPE"), 1)).as("unknown kind").isNull();
    assertThat(records.decode(record(utf8("hi"), null, null, null), 1)).as("no mapper").isNull();
    bad += 6;
    assertThat(records.badRecords()).isEqualTo(bad);
  }

  @Test
  void aMapperThrowingACheckedExceptionIsBadNotFatal() {
    KafkaRecords records = new KafkaRecords(r -> {
      if (r.value().length == 0) {
        throw KafkaRecordsTest.<RuntimeException>sneaky(new Exception("checked"));
      }
      return new KafkaRecordMapper.Mapped("t", Event.text("ok"));
    }, 1 << 20);
    assertThat(records.decode(record(new byte[0], null, null, null), 1)).isNull();
    assertThat(records.decode(record(utf8("x"), null, null, null), 1)).isNotNull();
    assertThat(records.badRecords()).isEqualTo(1);
  }

  /**
   * A mapper's per-record errors (deep recursion, a class that fails to load or initialise, a failed assert) make
   * the record bad like an exception; an error of the JVM (out of memory, internal) is not swallowed.
   */
  @Test
  void aMapperErrorIsBadUnlessItIsTheJvms() {
    java.util.List<Error> perRecord = java.util.List.of(new StackOverflowError(), new NoClassDefFoundError("x"),
        new ExceptionInInitializerError("x"), new AssertionError("x"));
    java.util.List<Error> fatal = java.util.List.of(new OutOfMemoryError("x"), new InternalError("x"));
    java.util.concurrent.atomic.AtomicReference<Error> next = new java.util.concurrent.atomic.AtomicReference<>();
    KafkaRecords records = new KafkaRecords(r -> {
      Error e = next.get();
      if (e != null) {
        throw e;
      }
      return new KafkaRecordMapper.Mapped("t", Event.text("ok"));
    }, 1 << 20);
    for (Error e : perRecord) {
      next.set(e);
      assertThat(records.decode(record(utf8("x"), null, null, null), 1)).as(e.toString()).isNull();
      assertThat(KafkaRecords.isRecordError(e)).isTrue();
    }
    for (Error e : fatal) {
      next.set(e);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> records.decode(record(utf8("x"), null, null, null), 1))
          .isSameAs(e);
      assertThat(KafkaRecords.isRecordError(e)).isFalse();
    }
    next.set(null);
    assertThat(records.decode(record(utf8("x"), null, null, null), 1)).as("the next record").isNotNull();
    assertThat(records.badRecords()).isEqualTo(perRecord.size());
  }

  /** A real stack overflow in a mapper (a recursive parser on deeply nested input) is one bad record. */
  @Test
  void aMapperOverflowingItsStackOnDeepInputIsBad() {
    KafkaRecords records = new KafkaRecords(r -> new KafkaRecordMapper.Mapped("t",
        Event.text("depth " + depth(r.value(), 0))), 1 << 20);
    assertThat(records.decode(record(utf8("[".repeat(500_000)), null, null, null), 1)).isNull();
    assertThat(records.decode(record(utf8("[[]]"), null, null, null), 1)).isNotNull();
    assertThat(records.badRecords()).isEqualTo(1);
  }

  /** A naive recursive-descent nesting depth: one frame per '['. */
  static int depth(byte[] v, int i) {
    return i < v.length && v[i] == '[' ? 1 + depth(v, i + 1) : 0;
  }
}
