package io.livepush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventTest {
  @ParameterizedTest
  @ValueSource(strings = {"a\nb", "a\rb", "a\u0000b", "", "reset", "livepush.position", "livepush.x"})
  void rejectsTypesThatCouldInjectFieldsOrAreReserved(String type) {
    assertThatThrownBy(() -> Event.text("x").withType(type)).isInstanceOf(InvalidEventException.class);
  }

  @Test
  void rejectsOverlongTypes() {
    assertThatThrownBy(() -> Event.text("x").withType("t".repeat(Event.MAX_TYPE_LENGTH + 1)))
        .isInstanceOf(InvalidEventException.class);
  }

  @Test
  void keepsPayloadKindsApart() {
    assertThat(Event.text("héllo").bytes()).isEqualTo("héllo".getBytes(StandardCharsets.UTF_8));
    assertThat(Event.binary(new byte[] {1, 2}).kind()).isEqualTo(Event.Kind.BINARY);
    Object value = java.util.Map.of("a", 1);
    assertThat(Event.json(value).jsonValue()).isSameAs(value);
    assertThat(Event.json(value).bytes()).isNull();
    assertThat(Event.rawJson("{}").bytes()).isEqualTo("{}".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void binaryPayloadIsCopiedOnTheWayInAndOut() {
    byte[] data = {1, 2, 3};
    Event e = Event.binary(data);
    data[0] = 9;
    assertThat(e.bytes()[0]).isEqualTo((byte) 1);
    e.bytes()[1] = 9;
    assertThat(e.bytes()[1]).isEqualTo((byte) 2);
  }

  @Test
  void topicsAreValidated() {
    assertThat(Topics.validate("match:42")).isEqualTo("match:42");
    assertThat(Topics.isValid("a/b.c-d_e@f+g=h~i")).isTrue();
    for (String bad : new String[] {"", "a b", "a,b", "a*", "{x}", "é", "t".repeat(Topics.MAX_LENGTH + 1)}) {
      assertThat(Topics.isValid(bad)).as(bad).isFalse();
      assertThatThrownBy(() -> Topics.validate(bad)).isInstanceOf(InvalidTopicException.class);
    }
  }
}
