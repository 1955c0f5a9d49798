package io.livepush.bench;

import io.livepush.testing.WebTransportCertificate;
import io.livepush.webtransport.WebTransportTransport;
import java.time.Duration;
import org.HdrHistogram.Histogram;

/**
 * WebTransport scenarios next to the WebSocket ones, with {@link WtLoadGen} as the client: {@code wt-idle} (heap,
 * direct memory and RSS per idle session, by the slope between {@code --n1} and {@code --n2} sessions) and
 * {@code wt-fanout} (N sessions on one topic, open-loop broadcasts, latency percentiles and server CPU per
 * delivery). The server side is {@link BenchServer} started with {@code --webtransport 1}: the transport at
 * {@value #PATH} on the TCP port's number (UDP), with a fresh self-signed certificate.
 */
final class WtBench {
  /** The WebTransport path of the bench server. */
  static final String PATH = "/wt";

  private WtBench() {}

  /**
   * The bench server's WebTransport transport: a fresh ECDSA P-256 certificate (the generator trusts any), an idle
   * timeout longer than any scenario (idle sessions send nothing; QUIC's own idle timeout would end them).
   */
  static WebTransportTransport transport(Options o) throws Exception {
    WebTransportCertificate cert = WebTransportCertificate.generate();
    return WebTransportTransport.builder().path(PATH).certificate(cert.key(), cert.certificate())
        .idleTimeout(Duration.ofSeconds(o.integer("wt-idle-s", 1200))).build();
  }

  private static WtLoadGen gen(Options o) {
    return new WtLoadGen(Options.address(o.string("target", "127.0.0.1:8090")), PATH, o.integer("threads", 1));
  }

  static void idle(Options o) throws Exception {
    String target = o.string("target", "127.0.0.1:8090");
    long pid = Long.parseLong(o.string("pid", "-1"));
    int n1 = o.integer("n1", 2000);
    int n2 = o.integer("n2", 10000);
    try (WtLoadGen g = gen(o)) {
      g.open(BenchServer.TOPIC, n1, o.integer("batch", 100), 300_000);
      Thread.sleep(2000); // let the last subscriptions settle before the measurement GC
      long[] h1 = Main.heap(target);
      long rss1 = Proc.rss(pid);
      g.open(BenchServer.TOPIC, n2 - n1, o.integer("batch", 100), 300_000);
      Thread.sleep(2000);
      long[] h2 = Main.heap(target);
      long rss2 = Proc.rss(pid);
      int n = n2 - n1;
      failures(g);
      Main.row(o, "wt-idle", new String[] {"label", "n1", "n2", "server conns", "heap n1", "heap n2",
          "heap B/session", "direct B/session", "RSS B/session", "failed", "closed"},
          new Object[] {o.string("label", "livepush-wt"), n1, n2, Proc.get(target, "/bench/conns"), h1[0], h2[0],
              (h2[0] - h1[0]) / n, (h2[1] - h1[1]) / n, pid > 0 ? (rss2 - rss1) / n : "n/a", g.failed.get(),
              g.closed.get()});
    }
  }

  static void fanout(Options o) throws Exception {
    String target = o.string("target", "127.0.0.1:8090");
    long pid = Long.parseLong(o.string("pid", "-1"));
    int subs = o.integer("subs", 10000);
    double rate = o.decimal("rate", 10);
    int seconds = o.integer("seconds", 20);
    int warmup = o.integer("warmup", 5);
    String label = o.string("label", "livepush-wt");
    ClockCheck.require(target, label, o.decimal("clock-tolerance-ms", 5));
    try (WtLoadGen g = gen(o)) {
      g.open(BenchServer.TOPIC, subs, o.integer("batch", 100), 300_000);
      g.recording = true;
      FanoutWindow w = FanoutWindow.measure(target, pid, rate, warmup, seconds, o.integer("size", 64), g.latency,
          g.events);
      Histogram h = w.latency();
      double el = w.seconds();
      double cpuS = w.cpuSeconds();
      Main.saveHistogram(o, label, h);
      failures(g);
      Main.row(o, "wt-fanout", new String[] {"label", "subs", "target/s", "delivered/s", "p50 ms", "p99 ms",
          "max ms", "server CPU %", "CPU us/delivery", "closed"},
          new Object[] {label, subs, (long) (subs * rate), Math.round(w.events() / el), Main.ms(h, 50),
              Main.ms(h, 99), Main.ms(h, 100), pid > 0 ? Main.fmt(100 * cpuS / el) : "n/a",
              pid > 0 ? Main.fmt(cpuS * 1e6 / Math.max(1, w.events())) : "n/a", g.closed.get()});
    }
  }

  private static void failures(WtLoadGen g) {
    if (g.failed.get() > 0) {
      System.out.println("  " + g.failed.get() + " sessions failed; first: " + g.firstFailure);
    }
  }
}
