package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SseEncoderTest {

  private static String text(String id, String type, String payload) {
    return new String(SseEncoder.event(id, type, Event.Kind.TEXT, payload.getBytes(StandardCharsets.UTF_8)),
        StandardCharsets.UTF_8);
  }

  @Test
  void encodesIdTypeAndData() {
    assertThat(text("k-1", "score-update", "{\"home\":3}"))
        .isEqualTo("id: k-1\nevent: score-update\ndata: {\"home\":3}\n\n");
  }

  @Test
  void omitsAbsentFields() {
    assertThat(text(null, null, "x")).isEqualTo("data: x\n\n");
  }

  @Test
  void splitsEveryKindOfLineBreakIntoDataLinesWithLfOnly() {
    assertThat(text(null, null, "a\nb\rc\r\nd")).isEqualTo("data: a\ndata: b\ndata: c\ndata: d\n\n");
    assertThat(text(null, null, "\r\n")).isEqualTo("data: \ndata: \n\n");
    assertThat(text(null, null, "end\n")).isEqualTo("data: end\ndata: \n\n");
  }

  @Test
  void bareCarriageReturnCannotInjectAField() {
    // Helidon's regression case: "line\revent:injected" must stay data.
    assertThat(text(null, null, "line\revent:injected-data"))
        .isEqualTo("data: line\ndata: event:injected-data\n\n")
        .doesNotContain("\r");
  }

  @Test
  void emptyPayloadStillDispatchesAnEvent() {
    assertThat(text(null, null, "")).isEqualTo("data: \n\n");
  }

  @Test
  void keepsLeadingSpaceBecauseOneSpaceIsAlwaysWritten() {
    assertThat(text(null, null, " indented")).isEqualTo("data:  indented\n\n");
  }

  @Test
  void passesNulU2028AndFourByteUtf8Through() {
    String payload = "a\u0000b\u2028c\uD83D\uDE00";
    byte[] out = SseEncoder.event(null, null, Event.Kind.TEXT, payload.getBytes(StandardCharsets.UTF_8));
    assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo("data: " + payload + "\n\n");
  }

  @Test
  void unpairedSurrogateIsRefusedNotReplaced() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Event.text("x\uD800y"))
        .isInstanceOf(io.livepush.InvalidEventException.class);
  }

  @Test
  void neverWritesAByteOrderMark() {
    byte[] out = SseEncoder.event("a-1", null, Event.Kind.TEXT, "\uFEFFx".getBytes(StandardCharsets.UTF_8));
    assertThat(out[0]).isEqualTo((byte) 'i');
  }

  @Test
  void largePayloadIsOneDataLinePerLine() {
    String line = "x".repeat(100_000);
    String out = text(null, null, line + "\n" + line);
    assertThat(out).isEqualTo("data: " + line + "\ndata: " + line + "\n\n");
  }

  @Test
  void binaryPayloadIsBase64() {
    byte[] out = SseEncoder.event(null, null, Event.Kind.BINARY, new byte[] {0, (byte) 0xff, '\n'});
    assertThat(new String(out, StandardCharsets.US_ASCII)).isEqualTo("data: AP8K\n\n");
  }

  @Test
  void positionBlockRetryAndComments() {
    // Carries data, so parsers that record ids only of dispatched events (npm eventsource 4.x) record it too.
    assertThat(new String(SseEncoder.position("a-5"), StandardCharsets.US_ASCII))
        .isEqualTo("id: a-5\nevent: livepush.position\ndata: {\"id\":\"a-5\"}\n\n");
    assertThat(new String(SseEncoder.retry(3000), StandardCharsets.US_ASCII)).isEqualTo("retry: 3000\n\n");
    assertThat(new String(SseEncoder.comment("a\r\nb"), StandardCharsets.UTF_8)).isEqualTo(": a\n: b\n\n");
    assertThat(SseEncoder.HEARTBEAT).containsExactly(':', '\n');
  }
}
