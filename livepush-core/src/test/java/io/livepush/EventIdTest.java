package io.livepush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventIdTest {
  @Test
  void roundTripsThroughTheWireForm() {
    EventId id = EventId.of(0xFF_FFFF_FFFFL, Long.MAX_VALUE);
    assertThat(EventId.parse(id.toString())).isEqualTo(id);
    assertThat(EventId.of(35, 36).toString()).isEqualTo("z-10");
    assertThat(id.toString()).hasSizeLessThanOrEqualTo(EventId.MAX_LENGTH).matches("[0-9a-z-]+");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-", "a-", "-1", "a-b-c", "A-1", "a_1", "a-1 ", "<script>-1", "a-\u0000",
      "zzzzzzzzzzzzzz-1", "1-zzzzzzzzzzzzz", "a-1\n"})
  void rejectsMalformedIds(String text) {
    assertThatThrownBy(() -> EventId.parse(text)).isInstanceOf(InvalidEventIdException.class)
        .extracting(e -> ((LivePushException) e).httpStatus()).isEqualTo(400);
  }

  @Test
  void rejectsOversizedIdsWithoutEchoingThem() {
    String huge = "a-" + "1".repeat(10_000);
    assertThatThrownBy(() -> EventId.parse(huge)).isInstanceOf(InvalidEventIdException.class)
        .message().hasSizeLessThan(200);
  }

  @Test
  void ordersByEpochThenOffset() {
    assertThat(EventId.of(1, 9)).isLessThan(EventId.of(2, 0));
    assertThat(EventId.of(1, 9)).isGreaterThan(EventId.of(1, 8));
  }

  @Test
  void earliestIsAPositionNotAnId() {
    assertThat(EventId.parsePosition("earliest")).isSameAs(EventId.EARLIEST);
    assertThat(EventId.EARLIEST.toString()).isEqualTo("earliest");
    assertThat(EventId.EARLIEST.isEarliest()).isTrue();
    assertThat(EventId.parsePosition("k-1")).isEqualTo(EventId.of(20, 1));
    assertThat(EventId.EARLIEST).isLessThan(EventId.of(0, 0));
    // An event id is never "earliest", and only the exact lower-case word is.
    assertThatThrownBy(() -> EventId.parse("earliest")).isInstanceOf(InvalidEventIdException.class);
    assertThatThrownBy(() -> EventId.parsePosition("EARLIEST")).isInstanceOf(InvalidEventIdException.class);
  }
}
