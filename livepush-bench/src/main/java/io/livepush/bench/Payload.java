package io.livepush.bench;

import java.nio.charset.StandardCharsets;

/**
 * The benchmark event payload: {@code {"s":<seq>,"t":<intended publish time, System.nanoTime>,"p":"xx.."}}
 * padded to a fixed size. {@code System.nanoTime()} is {@code CLOCK_MONOTONIC} on Linux, as is Node's
 * {@code process.hrtime}, so a generator on the same host can subtract it from its own receive time.
 */
public final class Payload {
  private Payload() {}

  /** The JSON text of one payload of {@code size} bytes (longer if the numbers do not fit). */
  public static String json(long seq, long intendedNanos, int size) {
    StringBuilder sb = new StringBuilder(size + 8);
    sb.append("{\"s\":").append(seq).append(",\"t\":").append(intendedNanos).append(",\"p\":\"");
    int pad = size - sb.length() - 2;
    for (int i = 0; i < pad; i++) {
      sb.append('x');
    }
    return sb.append("\"}").toString();
  }

  /** UTF-8 bytes of {@link #json}. */
  public static byte[] bytes(long seq, long intendedNanos, int size) {
    return json(seq, intendedNanos, size).getBytes(StandardCharsets.US_ASCII);
  }
}
