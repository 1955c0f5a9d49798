package io.livepush.bench;

import io.livepush.bench.LoadGen.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * Benchmark CLI: {@code java -cp ... io.livepush.bench.Main <scenario> [--option value ...]}.
 *
 * <pre>
 * server      the server under test (BenchServer)          --port --io-threads --heartbeat-s --max-seconds
 *                                                           --io auto|epoll|io_uring|nio --h2-max-streams --poll-timeout-s
 * netty-peer  stock Netty ChannelGroup WebSocket broadcast --port --max-seconds
 * netty-floor bare Netty epoll server, one shared handler    --port --max-seconds (Netty's per-connection floor)
 * idle        retained heap per idle subscriber (slope)     --target --pid --transport sse|ws|h2|longpoll --n1 --n2 --label
 *             (after --warm-rounds rounds of opening and closing --warm connections, when --warm > 0) --warm-src
 * fanout      N subscribers, open-loop broadcasts           --target --pid --transport --subs --rate --seconds --warmup --size --label
 * clock       check the server's stamp clock (ClockCheck)   --target --label --clock-tolerance-ms
 * capacity    hold SSE + WS connections with heartbeats     --target --pid --sse --ws --hold-s --label
 * replay      N clients connect at once, resume n behind    --target --pid --transport --clients --behind --label
 * plot        latency-percentile PNG from fanout results    --out file.png  hist files...
 * wt-idle     WebTransport: heap and RSS per idle session   --target --pid --n1 --n2 --label (WtBench)
 * wt-fanout   WebTransport: N sessions, open-loop fan-out   --target --pid --subs --rate --seconds --warmup --size --label
 * cluster-gen one generator process of a multi-generator run --nodes --conns --gens --gen --transport mix|sse|ws|wt
 *             (ClusterGen)                                   --ws-percent --events --warmup-events --rate --src --dir
 * cluster-publish  start the nodes' shared publish schedule  --nodes --pids --conns --rate --events --mode all|one --dir
 * cluster-merge    add the generators' results up (ClusterRun) --dir --nodes --pids --gens --conns --label
 * </pre>
 * Every generator scenario prints one result table and appends a row to {@code --results} (default
 * {@code livepush-bench/results/results.tsv}). Transports: {@code sse} and {@code ws} one connection per
 * subscriber; {@code h2} SSE streams over HTTP/2 cleartext (prior knowledge), {@code --streams-per-conn} (100)
 * per connection; {@code longpoll} one held poll per subscriber, polling again when answered. {@code fanout}
 * first checks that the server stamps with the generator's clock base and stops if not. Connections open in
 * batches of {@code --batch} (200) from the source addresses in {@code --src} (comma separated, default the
 * kernel's choice); keep a generator JVM under ≈ 19,000 connections (20,000 open files per process on the measurement box).
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: Main <server|netty-peer|netty-floor|idle|fanout|clock|capacity|replay|plot|wt-idle|wt-fanout"
          + "|cluster-gen|cluster-publish|cluster-merge> [--option value ...]");
      System.exit(2);
    }
    Options o = new Options(args, 1);
    switch (args[0]) {
      case "server" -> BenchServer.main(o);
      case "netty-peer" -> NettyPeer.main(o);
      case "netty-floor" -> NettyFloor.main(o);
      case "idle" -> idle(o);
      case "fanout" -> fanout(o);
      case "clock" -> ClockCheck.require(o.string("target", "127.0.0.1:8090"), o.string("label", "server"),
          o.decimal("clock-tolerance-ms", 5));
      case "capacity" -> capacity(o);
      case "replay" -> replay(o);
      case "plot" -> Plot.main(o);
      case "wt-idle" -> WtBench.idle(o);
      case "wt-fanout" -> WtBench.fanout(o);
      case "cluster-gen" -> ClusterGen.main(o);
      case "cluster-publish" -> ClusterRun.publish(o);
      case "cluster-merge" -> ClusterRun.merge(o);
      default -> {
        System.err.println("unknown scenario: " + args[0]);
        System.exit(2);
      }
    }
    System.exit(0);
  }

  private static LoadGen gen(Options o) {
    LoadGen g = new LoadGen(Options.address(o.string("target", "127.0.0.1:8090")), o.integer("threads", 1),
        o.list("src", ""));
    g.streamsPerConnection(o.integer("streams-per-conn", 100));
    return g;
  }

  private static Kind kind(Options o) {
    return Kind.valueOf(o.string("transport", "sse").toUpperCase(Locale.ROOT));
  }

  private static void idle(Options o) throws Exception {
    String target = o.string("target", "127.0.0.1:8090");
    long pid = Long.parseLong(o.string("pid", "-1"));
    int n1 = o.integer("n1", 2000);
    int n2 = o.integer("n2", 10000);
    Kind kind = kind(o);
    int warm = o.integer("warm", 0);
    int rounds = o.integer("warm-rounds", 1);
    if (warm > n1) {
      throw new IllegalArgumentException("--warm " + warm + " above --n1 " + n1
          + ": the slope must lie above the warm-up's high-water mark");
    }
    for (int r = 0; r < (warm > 0 ? rounds : 0); r++) {
      warmUp(o, kind, target, warm);
    }
    try (LoadGen g = gen(o)) {
      g.open(kind, "bench", null, n1, o.integer("batch", 200), 120_000);
      awaitHeld(kind, target, n1);
      Thread.sleep(2000); // let the last subscriptions settle before the measurement GC
      long[] h1 = heap(target);
      long rss1 = Proc.rss(pid);
      g.open(kind, "bench", null, n2 - n1, o.integer("batch", 200), 120_000);
      awaitHeld(kind, target, n2);
      Thread.sleep(2000);
      long[] h2 = heap(target);
      long rss2 = Proc.rss(pid);
      int n = n2 - n1;
      String conns = Proc.get(target, "/bench/conns");
      failures(g);
      if (kind == Kind.LONGPOLL) {
        System.out.println("  long-polls answered by the server's timeout and sent again meanwhile: " + g.repolls.sum());
      }
      row(o, "idle", new String[] {"label", "transport", "warm-up", "n1", "n2", "server conns", "heap n1", "heap n2",
          "heap B/conn", "direct B/conn", "RSS B/conn", "RSS n2", "failed"},
          new Object[] {o.string("label", kind.name()), kind, warm > 0 ? warm + "x" + rounds : "cold", n1, n2, conns,
              h1[0], h2[0], (h2[0] - h1[0]) / n, (h2[1] - h1[1]) / n, pid > 0 ? (rss2 - rss1) / n : "n/a", rss2,
              g.failed.get()});
    }
  }

  /**
   * One round of the idle scenario's warm-up, the same for every server: open {@code n} connections as the
   * measurement will (same kind, batch and pace), then close them all and wait (bounded) until the server holds
   * none. It runs the server's accept, subscribe and close paths hot (JIT compilation, thread pools, registries
   * grown to {@code n}) before anything is measured, so the slope above it is what a connection costs and not
   * the server's one-time growth; then full GCs, so what this round left is not reused as fresh memory by the
   * measured connections beyond {@code n}. Its own source addresses ({@code --warm-src}, default {@code --src}).
   */
  private static void warmUp(Options o, Kind kind, String target, int n) throws Exception {
    LoadGen g = new LoadGen(Options.address(target), o.integer("threads", 1),
        o.list("warm-src", o.string("src", "")));
    g.streamsPerConnection(o.integer("streams-per-conn", 100));
    try (g) {
      g.open(kind, "bench", null, n, o.integer("batch", 200), 120_000);
      awaitHeld(kind, target, n);
    }
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (Integer.parseInt(Proc.get(target, "/bench/conns")) > 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("server still holds " + Proc.get(target, "/bench/conns")
            + " connections 60 s after the warm-up closed them");
      }
      Thread.sleep(50); // polling the awaited condition
    }
    // Full GCs (the /bench/heap every server answers): the garbage of this round must not stand in for the next
    // round's live set, so the heap's high-water mark stays that of n live connections.
    long[] h = heap(target);
    System.out.println("  warm-up: opened and closed " + n + " connections (" + g.failed.get() + " failed); heap after"
        + " GC " + h[0]);
  }

  /**
   * A held long-poll answers nothing, so the generator cannot see it held: wait (bounded) until the server counts
   * {@code n} sessions. Other transports are established when the server has answered.
   */
  private static void awaitHeld(Kind kind, String target, int n) throws InterruptedException {
    if (kind != Kind.LONGPOLL) {
      return;
    }
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (Integer.parseInt(Proc.get(target, "/bench/conns")) < n) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("server holds " + Proc.get(target, "/bench/conns") + " polls, expected " + n);
      }
      Thread.sleep(50); // polling the awaited condition
    }
  }

  /** Prints why connections failed, if any did. */
  private static void failures(LoadGen g) {
    if (g.failed.get() > 0) {
      System.out.println("  " + g.failed.get() + " connections failed; first: " + g.firstFailure);
    }
  }

  static long[] heap(String target) {
    String[] v = Proc.get(target, "/bench/heap").split(" ");
    return new long[] {Long.parseLong(v[0]), Long.parseLong(v[1])};
  }

  private static void fanout(Options o) throws Exception {
    String target = o.string("target", "127.0.0.1:8090");
    long pid = Long.parseLong(o.string("pid", "-1"));
    int subs = o.integer("subs", 10000);
    double rate = o.decimal("rate", 10);
    int seconds = o.integer("seconds", 20);
    int warmup = o.integer("warmup", 5);
    int size = o.integer("size", 64);
    Kind kind = kind(o);
    String label = o.string("label", kind.name());
    ClockCheck.require(target, label, o.decimal("clock-tolerance-ms", 5));
    try (LoadGen g = gen(o)) {
      g.open(kind, "bench", null, subs, o.integer("batch", 200), 180_000);
      g.recording = true;
      FanoutWindow w = FanoutWindow.measure(target, pid, rate, warmup, seconds, size, g.latency, g.events);
      Histogram h = w.latency();
      long n = w.events();
      double el = w.seconds();
      double delivered = n / el;
      double cpuS = w.cpuSeconds();
      saveHistogram(o, label, h);
      failures(g);
      row(o, "fanout", new String[] {"label", "subs", "target/s", "delivered/s", "p50 ms", "p90 ms", "p99 ms",
          "p99.9 ms", "max ms", "server CPU %", "CPU us/delivery", "deliveries/CPU-s", "closed", "gen CPU %"},
          new Object[] {label, subs, (long) (subs * rate), Math.round(delivered), ms(h, 50), ms(h, 90),
              ms(h, 99), ms(h, 99.9), ms(h, 100), pid > 0 ? fmt(100 * cpuS / el) : "n/a",
              pid > 0 ? fmt(cpuS * 1e6 / n) : "n/a",
              pid > 0 ? Math.round(n / cpuS) : "n/a", g.closed.get(),
              fmt(100 * w.generatorCpuSeconds() / el)}); // near 100 %: the generator, not the server, sets the pace
    }
  }

  private static void capacity(Options o) throws Exception {
    String target = o.string("target", "127.0.0.1:8090");
    long pid = Long.parseLong(o.string("pid", "-1"));
    int sse = o.integer("sse", 250);
    int ws = o.integer("ws", 250);
    int hold = o.integer("hold-s", 60);
    try (LoadGen g = gen(o)) {
      long t0 = System.nanoTime();
      g.open(Kind.SSE, "bench", null, sse, o.integer("batch", 200), 300_000);
      if (ws > 0) {
        g.open(Kind.WS, "bench", null, ws, o.integer("batch", 200), 300_000);
      }
      double ramp = (System.nanoTime() - t0) / 1e9;
      System.out.printf("opened %d SSE + %d WS in %.1f s; holding %d s%n", sse, ws, ramp, hold);
      long end = System.nanoTime() + hold * 1_000_000_000L;
      while (System.nanoTime() < end) {
        Thread.sleep(Math.min(10_000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
        System.out.printf("  held: established %d, closed %d, failed %d, server conns %s, server heap %s%n",
            g.established.get(), g.closed.get(), g.failed.get(), Proc.get(target, "/bench/conns"),
            Proc.get(target, "/bench/mem"));
      }
      String[] mem = Proc.get(target, "/bench/mem").split(" ");
      failures(g);
      row(o, "capacity", new String[] {"label", "SSE", "WS", "ramp s", "hold s", "server conns", "closed",
          "failed", "peak heap MB", "RSS MB"},
          new Object[] {o.string("label", "livepush"), sse, ws, fmt(ramp), hold, Proc.get(target, "/bench/conns"),
              g.closed.get(), g.failed.get(), Long.parseLong(mem[0]) >> 20,
              pid > 0 ? Proc.rss(pid) >> 20 : "n/a"});
    }
  }

  private static void replay(Options o) throws Exception {
    String target = o.string("target", "127.0.0.1:8090");
    long pid = Long.parseLong(o.string("pid", "-1"));
    int clients = o.integer("clients", 10000);
    int behind = o.integer("behind", 1000);
    Kind kind = kind(o);
    try (LoadGen g = gen(o)) {
      String[] burst = Proc.get(target, "/bench/burst?n=" + behind).split(" ");
      String from = burst[0];
      long lastSeq = Long.parseLong(burst[1]);
      Proc.get(target, "/bench/heap"); // start from a collected heap
      Proc.get(target, "/bench/mem?reset=1");
      long c0 = Proc.cpuNanos(pid);
      g.expectCaughtUp(clients, lastSeq);
      long t0 = System.nanoTime();
      g.open(kind, "bench", from, clients, o.integer("batch", clients), 300_000);
      double handshakes = (System.nanoTime() - t0) / 1e9;
      long deadline = System.nanoTime() + 300_000_000_000L;
      while (g.allCaughtUpAt == 0 && System.nanoTime() < deadline && g.closed.get() == 0) {
        Thread.sleep(5);
      }
      double caught = g.allCaughtUpAt == 0 ? Double.NaN : (g.allCaughtUpAt - t0) / 1e9;
      long c1 = Proc.cpuNanos(pid);
      String[] mem = Proc.get(target, "/bench/mem").split(" ");
      failures(g);
      row(o, "replay", new String[] {"label", "clients", "behind", "events replayed", "all handshakes s",
          "all caught up s", "replayed events/s", "peak heap MB", "server CPU s", "caught up", "failed", "closed"},
          new Object[] {o.string("label", kind.name()), clients, behind, (long) clients * behind, fmt(handshakes),
              fmt(caught), Math.round(clients * (double) behind / caught), Long.parseLong(mem[0]) >> 20,
              pid > 0 ? fmt((c1 - c0) / 1e9) : "n/a", g.caughtUp.get(), g.failed.get(), g.closed.get()});
    }
  }

  static String ms(Histogram h, double p) {
    long v = p >= 100 ? h.getMaxValue() : h.getValueAtPercentile(p);
    return fmt(v / 1e6);
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
  }

  static void saveHistogram(Options o, String label, Histogram h) throws IOException {
    Path dir = Path.of(o.string("results", "livepush-bench/results/results.tsv")).getParent();
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(label + ".hist"), HistogramText.encode(h) + "\n");
  }

  /** Prints a two-line table and appends the values (tab separated, with the scenario) to the results file. */
  static void row(Options o, String scenario, String[] names, Object[] values) throws IOException {
    rows(o, scenario, names, List.<Object[]>of(values));
  }

  /** Prints a table (one header, a line per row) and appends the header and rows to the results file. */
  static void rows(Options o, String scenario, String[] names, List<Object[]> rows) throws IOException {
    int[] w = new int[names.length];
    for (int i = 0; i < names.length; i++) {
      w[i] = names[i].length();
      for (Object[] r : rows) {
        w[i] = Math.max(w[i], String.valueOf(r[i]).length());
      }
    }
    StringBuilder tsv = new StringBuilder(scenario + "\t" + String.join("\t", names) + "\n");
    System.out.println(line(names, w));
    for (Object[] r : rows) {
      String[] v = new String[names.length];
      for (int i = 0; i < names.length; i++) {
        v[i] = String.valueOf(r[i]);
      }
      System.out.println(line(v, w));
      tsv.append(scenario).append('\t').append(String.join("\t", v)).append('\n');
    }
    Path file = Path.of(o.string("results", "livepush-bench/results/results.tsv"));
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, tsv, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private static String line(String[] cells, int[] w) {
    StringBuilder b = new StringBuilder("|");
    for (int i = 0; i < cells.length; i++) {
      b.append(' ').append(pad(cells[i], w[i])).append(" |");
    }
    return b.toString();
  }

  private static String pad(String s, int w) {
    return s.length() >= w ? s : s + " ".repeat(w - s.length());
  }
}
