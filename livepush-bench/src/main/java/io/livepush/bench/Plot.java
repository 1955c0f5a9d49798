package io.livepush.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.HdrHistogram.Histogram;

/**
 * Draws latency-by-percentile curves (x: percentile on the usual 1/(1-p) log scale, y: milliseconds) from the
 * histograms the fanout scenario saved, with java.awt in headless mode and ImageIO: no plotting library.
 */
final class Plot {
  private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
      new Color(0xff7f0e), new Color(0x9467bd)};
  private static final double[] TICKS = {0, 50, 90, 99, 99.9, 99.99};

  private Plot() {}

  static void main(Options o) throws Exception {
    System.setProperty("java.awt.headless", "true");
    List<String> labels = new ArrayList<>();
    List<Histogram> hists = new ArrayList<>();
    for (String f : o.positional()) {
      hists.add(HistogramText.decode(Files.readString(Path.of(f))));
      String name = Path.of(f).getFileName().toString();
      labels.add(name.substring(0, name.length() - ".hist".length()));
    }
    Path out = Path.of(o.string("out", "docs/benchmarks-fanout-latency.png"));
    write(out, o.string("title", "Fan-out latency by percentile"), labels, hists);
    System.out.println("wrote " + out);
  }

  static void write(Path out, String title, List<String> labels, List<Histogram> hists) throws Exception {
    int w = 900;
    int h = 540;
    int left = 70;
    int right = 20;
    int top = 40;
    int bottom = 60;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    double maxX = Math.log10(1 / (1 - 0.9999)); // up to p99.99
    double maxMs = 1;
    for (Histogram hist : hists) {
      maxMs = Math.max(maxMs, hist.getValueAtPercentile(99.99) / 1e6);
    }
    maxMs = niceCeil(maxMs * 1.05);
    int pw = w - left - right;
    int ph = h - top - bottom;
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.setColor(new Color(0xdddddd));
    for (int i = 0; i <= 5; i++) {
      int y = top + ph - i * ph / 5;
      g.drawLine(left, y, left + pw, y);
    }
    g.setColor(Color.BLACK);
    g.drawRect(left, top, pw, ph);
    for (int i = 0; i <= 5; i++) {
      int y = top + ph - i * ph / 5;
      String s = String.format(Locale.ROOT, "%.0f", maxMs * i / 5);
      g.drawString(s, left - 8 - g.getFontMetrics().stringWidth(s), y + 4);
    }
    for (double p : TICKS) {
      int x = left + (int) (pw * xOf(p) / maxX);
      g.drawLine(x, top + ph, x, top + ph + 4);
      String s = p == 0 ? "0%" : (p == Math.rint(p) ? String.format(Locale.ROOT, "%.0f%%", p) : p + "%");
      g.drawString(s, x - g.getFontMetrics().stringWidth(s) / 2, top + ph + 18);
    }
    g.drawString("percentile", left + pw / 2 - 30, h - 22);
    g.rotate(-Math.PI / 2);
    g.drawString("latency (ms), receive - intended publish time", -top - ph / 2 - 130, 18);
    g.rotate(Math.PI / 2);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString(title, left, 24);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.setStroke(new BasicStroke(2f));
    for (int k = 0; k < hists.size(); k++) {
      Histogram hist = hists.get(k);
      g.setColor(COLORS[k % COLORS.length]);
      int px = -1;
      int py = -1;
      for (int i = 0; i <= 400; i++) {
        double x = maxX * i / 400;
        double p = 100 * (1 - Math.pow(10, -x));
        double v = hist.getValueAtPercentile(p) / 1e6;
        int sx = left + (int) (pw * x / maxX);
        int sy = top + ph - (int) Math.min(ph, ph * v / maxMs);
        if (px >= 0) {
          g.drawLine(px, py, sx, sy);
        }
        px = sx;
        py = sy;
      }
      String legend = String.format(Locale.ROOT, "%s  (p50 %.1f, p99 %.1f, p99.9 %.1f ms, n=%d)", labels.get(k),
          hist.getValueAtPercentile(50) / 1e6, hist.getValueAtPercentile(99) / 1e6,
          hist.getValueAtPercentile(99.9) / 1e6, hist.getTotalCount());
      g.fillRect(left + 12, top + 12 + k * 18, 14, 4);
      g.setColor(Color.BLACK);
      g.drawString(legend, left + 32, top + 18 + k * 18);
    }
    g.dispose();
    Files.createDirectories(out.toAbsolutePath().getParent());
    ImageIO.write(img, "png", out.toFile());
  }

  private static double xOf(double p) {
    return Math.log10(1 / (1 - p / 100));
  }

  private static double niceCeil(double v) {
    double m = Math.pow(10, Math.floor(Math.log10(v)));
    for (double s : new double[] {1, 2, 2.5, 5, 10}) {
      if (s * m >= v) {
        return s * m;
      }
    }
    return 10 * m;
  }
}
