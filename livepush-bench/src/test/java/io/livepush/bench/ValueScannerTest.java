package io.livepush.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValueScannerTest {
  private final List<String> seen = new ArrayList<>();
  private final ValueScanner scanner = new ValueScanner();

  private void feed(String s) {
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      scanner.feed(b, (k, v) -> seen.add((char) k + "=" + v));
    }
  }

  @Test
  void findsSequenceAndTimeInAnSseEvent() {
    feed("id: 1-a\ndata: " + Payload.json(42, 123456789012L, 64) + "\n\n");
    assertThat(seen).containsExactly("s=42", "t=123456789012");
  }

  @Test
  void ignoresEnvelopeKeysAndStringValues() {
    feed("{\"type\":\"event\",\"topic\":\"t\",\"id\":\"9\",\"s\":\"x\",\"event\":null,\"data\":{\"s\":7,\"t\":8}}");
    assertThat(seen).containsExactly("s=7", "t=8");
  }

  @Test
  void survivesAnyChunkBoundary() {
    String text = "data: {\"s\":123,\"t\":456,\"p\":\"x\"}\n\n";
    for (char c : text.toCharArray()) {
      feed(String.valueOf(c)); // one byte per read
    }
    assertThat(seen).containsExactly("s=123", "t=456");
  }

  @Test
  void payloadHasTheRequestedSize() {
    assertThat(Payload.bytes(1, System.nanoTime(), 64)).hasSize(64);
  }
}
