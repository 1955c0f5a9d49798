package io.livepush.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepush.client.EventTooLargeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** WHATWG HTML §9.2.6, rule by rule, fed whole and one byte at a time. */
class SseParserTest {

  /** Records what the parser reports as readable strings. */
  static final class Recorder implements SseParser.Handler {
    final List<String> seen = new ArrayList<>();
    boolean pauseAfterEach;

    @Override
    public boolean onEvent(String type, String data, String lastEventId) {
      seen.add("event type=" + type + " id=" + lastEventId + " data=" + data.replace("\n", "\\n"));
      return !pauseAfterEach;
    }

    @Override
    public void onLastEventId(String lastEventId) {
      seen.add("id " + lastEventId);
    }

    @Override
    public void onRetry(long millis) {
      seen.add("retry " + millis);
    }
  }

  private static List<String> parse(byte[] stream) {
    Recorder whole = new Recorder();
    new SseParser(whole, "", 1 << 16).feed(ByteBuffer.wrap(stream));
    Recorder bytewise = new Recorder();
    SseParser p = new SseParser(bytewise, "", 1 << 16);
    for (byte b : stream) {
      p.feed(ByteBuffer.wrap(new byte[] {b}));
    }
    assertThat(bytewise.seen).as("byte-at-a-time feeding").isEqualTo(whole.seen);
    return whole.seen;
  }

  private static List<String> parse(String stream) {
    return parse(stream.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void lineEndingsCrLfAndCrlfAllEndLines() {
    assertThat(parse("data: a\r\ndata: b\rdata: c\n\r\n")).containsExactly("event type=null id= data=a\\nb\\nc");
    assertThat(parse("data: x\r\r")).containsExactly("event type=null id= data=x");
  }

  @Test
  void crThenLfInTheNextBufferIsOneLineEnd() {
    Recorder r = new Recorder();
    SseParser p = new SseParser(r, "", 1024);
    p.feed(ByteBuffer.wrap("data: a\r".getBytes(StandardCharsets.UTF_8)));
    p.feed(ByteBuffer.wrap("\ndata: b\r".getBytes(StandardCharsets.UTF_8)));
    p.feed(ByteBuffer.wrap("\n\r".getBytes(StandardCharsets.UTF_8)));
    assertThat(r.seen).containsExactly("event type=null id= data=a\\nb");
  }

  @Test
  void leadingBomIsSkippedOnceOnly() {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    byte[] body = "data: x\n\n".getBytes(StandardCharsets.UTF_8);
    byte[] once = new byte[3 + body.length];
    System.arraycopy(bom, 0, once, 0, 3);
    System.arraycopy(body, 0, once, 3, body.length);
    assertThat(parse(once)).containsExactly("event type=null id= data=x");
    // A second BOM is part of the first line's field name: "\uFEFFdata" is an unknown field, ignored.
    byte[] twice = new byte[6 + body.length];
    System.arraycopy(bom, 0, twice, 0, 3);
    System.arraycopy(bom, 0, twice, 3, 3);
    System.arraycopy(body, 0, twice, 6, body.length);
    assertThat(parse(twice)).isEmpty();
  }

  @Test
  void commentsAreIgnoredAndCostNoBuffer() {
    String longComment = ":" + "x".repeat(10_000) + "\n";
    Recorder r = new Recorder();
    new SseParser(r, "", 16).feed(ByteBuffer.wrap((longComment + ": hi\ndata: ok\n\n").getBytes(StandardCharsets.UTF_8)));
    assertThat(r.seen).containsExactly("event type=null id= data=ok");
  }

  @Test
  void fieldsWithAndWithoutSpaceAndWithoutColon() {
    assertThat(parse("data:a\ndata:  b\ndata\n\n")).containsExactly("event type=null id= data=a\\n b\\n");
    assertThat(parse("event:score\ndata: 1\n\n")).containsExactly("event type=score id= data=1");
    assertThat(parse("unknown: field\ndata: 1\n\n")).containsExactly("event type=null id= data=1");
    assertThat(parse("data: a:b:c\n\n")).containsExactly("event type=null id= data=a:b:c");
  }

  @Test
  void emptyDataBufferDispatchesNothingButDataColonAloneDoes() {
    assertThat(parse("event: x\n\n")).isEmpty();
    assertThat(parse("data:\n\n")).containsExactly("event type=null id= data=");
    assertThat(parse("data\ndata\n\n")).containsExactly("event type=null id= data=\\n");
  }

  @Test
  void eventTypeIsResetAfterEachDispatchAndAfterAnEmptyBlock() {
    assertThat(parse("event: a\ndata: 1\n\ndata: 2\n\nevent: b\n\ndata: 3\n\n"))
        .containsExactly("event type=a id= data=1", "event type=null id= data=2", "event type=null id= data=3");
  }

  @Test
  void idIsKeptAcrossEventsAndSetByABlockWithoutData() {
    assertThat(parse("id: 1\ndata: a\n\ndata: b\n\nid: 2\n\ndata: c\n\n")).containsExactly(
        "event type=null id=1 data=a", "event type=null id=1 data=b", "id 2", "event type=null id=2 data=c");
  }

  @Test
  void idWithNulIsIgnoredAndEmptyIdClearsIt() {
    assertThat(parse("id: 1\ndata: a\n\nid: x\0y\ndata: b\n\nid\ndata: c\n\n")).containsExactly(
        "event type=null id=1 data=a", "event type=null id=1 data=b", "event type=null id= data=c");
  }

  @Test
  void retryTakesAsciiDigitsOnly() {
    assertThat(parse("retry: 1500\nretry: 15s\nretry: -1\nretry:\nretry: 2 0\nretry:0\n\n"))
        .containsExactly("retry 1500", "retry 0");
    assertThat(parse("retry: 99999999999999999999999\n\n")).containsExactly("retry " + Long.MAX_VALUE);
  }

  @Test
  void anIncompleteEventAtTheEndIsNeverDispatched() {
    assertThat(parse("data: a\n\ndata: b\n")).containsExactly("event type=null id= data=a");
    assertThat(parse("id: 7\ndata: b")).isEmpty();
  }

  @Test
  void malformedUtf8BecomesReplacementCharacter() {
    byte[] s = {'d', 'a', 't', 'a', ':', ' ', (byte) 0xC3, '\n', '\n'};
    assertThat(parse(s)).containsExactly("event type=null id= data=\uFFFD");
    assertThat(parse("data: grüße ✓\n\n")).containsExactly("event type=null id= data=grüße ✓");
  }

  @Test
  void pausesAfterAnEventAndContinuesWhereItStopped() {
    Recorder r = new Recorder();
    r.pauseAfterEach = true;
    SseParser p = new SseParser(r, "", 1024);
    ByteBuffer in = ByteBuffer.wrap("data: 1\n\ndata: 2\n\n".getBytes(StandardCharsets.UTF_8));
    p.feed(in);
    assertThat(r.seen).containsExactly("event type=null id= data=1");
    assertThat(in.hasRemaining()).isTrue();
    p.feed(in);
    assertThat(r.seen).containsExactly("event type=null id= data=1", "event type=null id= data=2");
  }

  @Test
  void linesAndDataOverTheBoundThrow() {
    SseParser lines = new SseParser(new Recorder(), "", 16);
    assertThatThrownBy(() -> lines.feed(ByteBuffer.wrap(("data: " + "x".repeat(40) + "\n").getBytes(
        StandardCharsets.UTF_8)))).isInstanceOf(EventTooLargeException.class);
    SseParser data = new SseParser(new Recorder(), "", 16);
    assertThatThrownBy(() -> data.feed(ByteBuffer.wrap("data: 0123456789\ndata: 0123456789\n".getBytes(
        StandardCharsets.UTF_8)))).isInstanceOf(EventTooLargeException.class);
    Recorder ok = new Recorder();
    new SseParser(ok, "", 16).feed(ByteBuffer.wrap(("data: " + "x".repeat(16) + "\n\n").getBytes(StandardCharsets.UTF_8)));
    assertThat(ok.seen).hasSize(1);
  }
}
