package io.livepush.bench;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * A latency histogram as one line of text (HdrHistogram's compressed form in Base64): the {@code .hist} files
 * {@code plot} reads, and the histograms generator processes hand to {@code ClusterRun merge}.
 */
final class HistogramText {
  private HistogramText() {}

  static String encode(Histogram h) {
    ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int n = h.encodeIntoCompressedByteBuffer(buf);
    return Base64.getEncoder().encodeToString(Arrays.copyOf(buf.array(), n));
  }

  /** @throws IllegalArgumentException when {@code text} is not an encoded histogram */
  static Histogram decode(String text) {
    try {
      return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(text.trim())), 0);
    } catch (DataFormatException e) {
      throw new IllegalArgumentException("not a compressed histogram: " + e, e);
    }
  }
}
