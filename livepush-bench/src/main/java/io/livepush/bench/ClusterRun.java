package io.livepush.bench;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.HdrHistogram.Histogram;

/**
 * The steps of a multi-generator run that are not a generator ({@link ClusterGen}): {@code cluster-publish}
 * starts the nodes' publishers on one shared schedule once every generator is ready, and {@code cluster-merge}
 * adds the generators' results up, with each node's CPU, RSS and heap. {@code run.sh cluster} and {@code run.sh
 * wt-fanout} (with {@code WT_GENS > 1}) call them; the run directory ({@code --dir}) passes the state between
 * the steps as files.
 */
final class ClusterRun {
  private ClusterRun() {}

  /**
   * {@code cluster-publish --nodes h:p,... --pids p,... [--bus-pid p] --conns n --rate r --events e
   * [--mode all|one] [--size 64] --dir d}: awaits (bounded) that the nodes together hold {@code conns}
   * subscribers, records every node's CPU time and the bus process's (redis-server or the Kafka broker), then
   * has node 0 publish events {@code 1..e} ({@code one}) or the nodes publish them in turn ({@code all}: node
   * {@code i} publishes events {@code i + 1, i + 1 + nodes, ...}), at {@code r} events per second in total from
   * half a second after now.
   */
  static void publish(Options o) throws Exception {
    List<String> nodes = o.list("nodes", "127.0.0.1:8090");
    List<Long> pids = o.list("pids", "").stream().map(Long::parseLong).toList();
    int conns = o.integer("conns", 0);
    double rate = o.decimal("rate", 0.5);
    long events = o.integer("events", 30);
    boolean all = o.string("mode", "all").equals("all");
    long deadline = System.nanoTime() + 60_000_000_000L;
    long held;
    while ((held = held(nodes)) < conns && System.nanoTime() < deadline) {
      Thread.sleep(100); // polling the awaited condition (every subscriber registered), bounded
    }
    if (held != conns) {
      System.out.printf("warning: the nodes hold %d subscribers, the generators established %d%n", held, conns);
    }
    Properties p = new Properties();
    for (String n : nodes) {
      p.setProperty("held." + n, Long.toString(held(n)));
    }
    for (int i = 0; i < pids.size(); i++) {
      p.setProperty("cpu0." + i, Long.toString(Proc.cpuNanos(pids.get(i))));
    }
    long busPid = busPid(o);
    if (busPid > 0) {
      p.setProperty("busCpu0", Long.toString(Proc.cpuNanos(busPid)));
    }
    long start = System.nanoTime() + 500_000_000L;
    p.setProperty("start", Long.toString(start));
    int publishers = all ? (int) Math.min(nodes.size(), events) : 1;
    p.setProperty("publishers", Integer.toString(publishers));
    ClusterGen.writeAtomically(Path.of(o.string("dir", ".")).resolve("publish.properties"), store(p, null));
    for (int i = 0; i < publishers; i++) {
      Proc.get(nodes.get(i), String.format(Locale.ROOT, "/bench/publish?rate=%s&start=%d&count=%d&stride=%d&index=%d"
          + "&size=%d", rate, start, events, publishers, i, o.integer("size", 64)));
    }
    System.out.printf(Locale.ROOT, "publishing %d events at %s/s from %d node(s) to %d subscribers: ends in %.0f s%n",
        events, rate, publishers, held, events / rate);
  }

  private static long held(List<String> nodes) {
    long n = 0;
    for (String node : nodes) {
      n += held(node);
    }
    return n;
  }

  private static long held(String node) {
    return Long.parseLong(Proc.get(node, "/bench/conns"));
  }

  /**
   * {@code cluster-merge --dir d --nodes h:p,... --pids p,... [--bus redis|kafka|none --bus-pid p] --gens g
   * --conns n --label l [--results f]}: reads every {@code gen-<i>.result}, merges the latency histograms (all
   * subscribers, and per node), sums the counts, reads each node's CPU since {@code cluster-publish}, RSS, peak
   * heap and heap after a full GC, and the bus process's CPU since {@code cluster-publish} and RSS (the generators still hold their connections), prints two tables (the run; one row per node) and
   * appends them to the results file, with the merged histogram as {@code <label>.hist} beside it. Then writes
   * {@code release}: the generators close and exit.
   */
  static void merge(Options o) throws Exception {
    Path dir = Path.of(o.string("dir", "."));
    List<String> nodes = o.list("nodes", "127.0.0.1:8090");
    List<Long> pids = o.list("pids", "").stream().map(Long::parseLong).toList();
    int gens = o.integer("gens", 1);
    String label = o.string("label", "cluster");
    Properties pub = load(dir.resolve("publish.properties"));
    Histogram all = new Histogram(3);
    Map<String, Histogram> perNode = new LinkedHashMap<>();
    Map<String, Long> subsPerNode = new LinkedHashMap<>();
    for (String n : nodes) {
      perNode.put(n, new Histogram(3));
      subsPerNode.put(n, 0L);
    }
    Map<String, Long> sum = new LinkedHashMap<>();
    List<String> summed = new ArrayList<>(List.of(ClusterGen.SUMMED));
    summed.add("cpuNanos");
    long connectStart = Long.MAX_VALUE;
    long connectEnd = 0;
    long firstAt = Long.MAX_VALUE;
    long lastAt = 0;
    long events = 0;
    long warmup = 0;
    List<String> missing = new ArrayList<>();
    String firstFailure = "";
    for (int g = 0; g < gens; g++) {
      Path f = dir.resolve("gen-" + g + ".result");
      if (!Files.exists(f)) {
        missing.add(Integer.toString(g));
        continue;
      }
      Properties r = load(f);
      all.add(HistogramText.decode(r.getProperty("hist")));
      for (String t : r.getProperty("targets").split(",")) {
        if (!t.isEmpty()) {
          perNode.computeIfAbsent(t, k -> new Histogram(3)).add(HistogramText.decode(r.getProperty("hist." + t)));
          subsPerNode.merge(t, Long.parseLong(r.getProperty("established." + t)), Long::sum);
        }
      }
      for (String k : summed) {
        sum.merge(k, Long.parseLong(r.getProperty(k)), Long::sum);
      }
      events = Long.parseLong(r.getProperty("events"));
      warmup = Long.parseLong(r.getProperty("warmup"));
      connectStart = Math.min(connectStart, Long.parseLong(r.getProperty("connectStart")));
      connectEnd = Math.max(connectEnd, Long.parseLong(r.getProperty("connectEnd")));
      long first = Long.parseLong(r.getProperty("firstAt"));
      if (first != 0) {
        firstAt = Math.min(firstAt, first);
      }
      long done = Long.parseLong(r.getProperty("completeAt"));
      lastAt = Math.max(lastAt, done != 0 ? done : Long.parseLong(r.getProperty("end")));
      if (firstFailure.isEmpty()) {
        firstFailure = r.getProperty("firstFailure", "");
      }
    }
    if (!missing.isEmpty()) {
      System.out.println("  MISSING results of generator(s) " + missing + ": the counts below lack their share");
    }
    if (!firstFailure.isEmpty()) {
      System.out.println("  first failure: " + firstFailure);
    }
    long established = sum.getOrDefault("established", 0L);
    long delivered = sum.getOrDefault("distinct", 0L);
    long lost = events * established - delivered;
    double windowS = firstAt == Long.MAX_VALUE ? 0 : (lastAt - firstAt) / 1e9;
    // The nodes: CPU since the publish step, memory now (peak heap since start, heap after full GCs).
    long cpuTotal = 0;
    long rssTotal = 0;
    long heapTotal = 0;
    long peakTotal = 0;
    List<Object[]> nodeRows = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      String n = nodes.get(i);
      long pid = i < pids.size() ? pids.get(i) : -1;
      long cpu = pid > 0 ? Proc.cpuNanos(pid) - Long.parseLong(pub.getProperty("cpu0." + i, "0")) : 0;
      long rss = pid > 0 ? Proc.rss(pid) : 0;
      long peak = Long.parseLong(Proc.get(n, "/bench/mem").split(" ")[0]);
      long heap = Main.heap(n)[0];
      cpuTotal += cpu;
      rssTotal += rss;
      heapTotal += heap;
      peakTotal += peak;
      Histogram h = perNode.get(n);
      nodeRows.add(new Object[] {label, n, pub.getProperty("held." + n, "?") + " / " + held(n), subsPerNode.get(n),
          Main.ms(h, 50),
          Main.ms(h, 99), Main.ms(h, 100), Main.fmt(cpu / 1e9), rss >> 20, peak >> 20, heap >> 20});
    }
    long busPid = busPid(o);
    String busCpu = busPid > 0 && pub.containsKey("busCpu0")
        ? Main.fmt((Proc.cpuNanos(busPid) - Long.parseLong(pub.getProperty("busCpu0"))) / 1e9) : "n/a";
    Object busRss = busPid > 0 ? Proc.rss(busPid) >> 20 : "n/a";
    Main.row(o, "cluster", new String[] {"label", "bus", "nodes", "gens", "conns", "established", "failed", "closed",
        "events", "deliveries expected", "delivered", "lost", "duplicated", "reordered", "unexpected",
        "complete conns", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "connect s", "delivery window s",
        "delivered/s", "node CPU s", "CPU us/delivery", "bus CPU s", "bus RSS MB", "gen CPU s",
        "RSS MB (nodes)", "peak heap MB", "heap MB after GC"},
        new Object[] {label, o.string("bus", "none"), nodes.size(), gens - missing.size() + "/" + gens,
            o.integer("conns", 0), established,
            sum.getOrDefault("failed", 0L), sum.getOrDefault("closed", 0L), events + " (" + warmup + " warm-up)",
            events * established, delivered, lost, sum.getOrDefault("duplicates", 0L),
            sum.getOrDefault("reordered", 0L), sum.getOrDefault("unexpected", 0L),
            sum.getOrDefault("complete", 0L), Main.ms(all, 50), Main.ms(all, 90), Main.ms(all, 99),
            Main.ms(all, 99.9), Main.ms(all, 100), Main.fmt((connectEnd - connectStart) / 1e9), Main.fmt(windowS),
            windowS > 0 ? Math.round(delivered / windowS) : "n/a", Main.fmt(cpuTotal / 1e9),
            delivered > 0 ? Main.fmt(cpuTotal / 1e3 / delivered) : "n/a", busCpu, busRss,
            Main.fmt(sum.getOrDefault("cpuNanos", 0L) / 1e9), rssTotal >> 20, peakTotal >> 20, heapTotal >> 20});
    System.out.println("per node (latency of the events after the warm-up, by the node that delivered them):");
    String[] names = {"label", "node", "server conns (publish / merge)", "gen subscribers", "p50 ms", "p99 ms", "max ms", "CPU s",
        "RSS MB", "peak heap MB", "heap MB after GC"};
    Main.rows(o, "cluster-node", names, nodeRows);
    Main.saveHistogram(o, label, all); // <label>.hist next to the results, for run.sh plot
    ClusterGen.writeAtomically(dir.resolve("release"), "merged\n");
  }

  /** The bus process ({@code --bus-pid}: redis-server or the Kafka broker), or -1 for none. */
  private static long busPid(Options o) {
    return Long.parseLong(o.string("bus-pid", "-1"));
  }

  private static Properties load(Path f) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    return p;
  }

  /** {@code p} as {@link Properties#store} writes it, with {@code comments} (or none) in its first line. */
  static String store(Properties p, String comments) throws IOException {
    java.io.StringWriter w = new java.io.StringWriter();
    p.store(w, comments);
    return w.toString();
  }
}
