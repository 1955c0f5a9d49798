package io.livepush.bench;

import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * One generator process of a multi-generator run ({@code run.sh cluster}: many nodes, and {@code run.sh
 * wt-fanout} with {@code WT_GENS > 1}: one server). One process holds fewer than 20,000 connections (the
 * per-process file limit on the measurement box), so 100,000 connections need six or more of them; each works
 * out its own share ({@link #share}), opens it (SSE and WebSocket connections in {@link LoadGen}s on one shared
 * event loop, or WebTransport sessions in a {@link WtLoadGen}), writes {@code gen-<i>.ready} into the run
 * directory, and then counts the events {@code 1..events} that the nodes publish ({@code ClusterRun publish}):
 * every subscriber must see every number exactly once, in order ({@link Tally}). It stops as soon as every
 * subscriber has all of them, or at a deadline, writes {@code gen-<i>.result} for {@code ClusterRun merge}, and
 * holds its connections until the merge step has read the nodes' memory and written {@code release}.
 */
final class ClusterGen {
  /** Connections one generator process may hold: the box allows 20,000 open files per process. */
  static final int MAX_PER_PROCESS = 19_000;
  /** The counts each result file holds, summed over this process's targets (and by the merge, over processes). */
  static final String[] SUMMED = {"established", "failed", "closed", "distinct", "duplicates", "reordered",
      "unexpected", "complete"};

  private ClusterGen() {}

  /**
   * Generator {@code gen}'s share of {@code conns} connections spread evenly over {@code nodes} (node {@code n}
   * gets {@code conns / nodes}, the first {@code conns % nodes} nodes one more): with no more generators than
   * nodes, generator {@code g} takes every node {@code n} with {@code n % gens == g} whole; with more, the
   * generators {@code g, g + nodes, ...} split node {@code g % nodes} evenly.
   *
   * @return target to connection count, in node order; empty when this generator has nothing to do
   * @throws IllegalArgumentException unless {@code 0 <= gen < gens} and {@code nodes} is not empty
   */
  static Map<String, Integer> share(List<String> nodes, int conns, int gens, int gen) {
    if (nodes.isEmpty() || gens < 1 || gen < 0 || gen >= gens || conns < 0) {
      throw new IllegalArgumentException("nodes " + nodes + ", conns " + conns + ", gen " + gen + " of " + gens
          + " (expected: nodes, conns >= 0, 0 <= gen < gens)");
    }
    int n = nodes.size();
    Map<String, Integer> mine = new LinkedHashMap<>();
    for (int node = 0; node < n; node++) {
      int onNode = conns / n + (node < conns % n ? 1 : 0);
      if (gens <= n) {
        if (node % gens == gen && onNode > 0) {
          mine.put(nodes.get(node), onNode);
        }
      } else if (gen % n == node) {
        int sharing = (gens - node + n - 1) / n; // generators node, node + n, ... below gens
        int k = gen / n;
        int part = onNode / sharing + (k < onNode % sharing ? 1 : 0);
        if (part > 0) {
          mine.put(nodes.get(node), part);
        }
      }
    }
    return mine;
  }

  /**
   * Refuses a share over the per-process bound {@code max} ({@code --max-per-gen}, default {@link #MAX_PER_PROCESS});
   * the message names the bound in force.
   */
  static void checkShare(int gen, int total, int max) {
    if (total > max) {
      throw new IllegalArgumentException("generator " + gen + ": " + total + " connections (expected: <= " + max
          + " per process" + (max == MAX_PER_PROCESS ? ", the open-file limit" : " (--max-per-gen)")
          + "; raise the generator count)");
    }
  }

  /** One target of this process: a generator against one node ({@link LoadGen} or {@link WtLoadGen}). */
  private record Part(String target, int count, Generator gen) {}

  static void main(Options o) throws Exception {
    List<String> nodes = o.list("nodes", "127.0.0.1:8090");
    int conns = o.integer("conns", 1000);
    int gens = o.integer("gens", 1);
    int gen = o.integer("gen", 0);
    String transport = o.string("transport", "mix");
    int wsPercent = o.integer("ws-percent", 50);
    long events = o.integer("events", 30);
    long warmup = o.integer("warmup-events", 3);
    double rate = o.decimal("rate", 0.5);
    Path dir = Path.of(o.string("dir", "."));
    List<String> sources = o.list("src", "");
    Map<String, Integer> mine = share(nodes, conns, gens, gen);
    int total = mine.values().stream().mapToInt(Integer::intValue).sum();
    checkShare(gen, total, o.integer("max-per-gen", MAX_PER_PROCESS));
    for (String target : mine.keySet()) {
      ClockCheck.require(target, "node " + target, o.decimal("clock-tolerance-ms", 5));
    }
    EventLoopGroup group = LoadGen.newGroup(o.integer("threads", 1));
    List<Part> parts = new ArrayList<>();
    try {
      long connectStart = System.nanoTime();
      for (Map.Entry<String, Integer> e : mine.entrySet()) {
        InetSocketAddress node = Options.address(e.getKey());
        Part p = new Part(e.getKey(), e.getValue(), transport.equals("wt")
            ? new WtLoadGen(node, WtBench.PATH, o.integer("threads", 1)) : new LoadGen(node, group, sources));
        parts.add(p);
        p.gen().tally.expect(events, warmup); // before any event can arrive: publishing starts after every ready file
        open(p, transport, wsPercent, o.integer("batch", 200));
      }
      long connectEnd = System.nanoTime();
      int established = 0;
      for (Part p : parts) {
        established += p.gen().established.get();
        p.gen().tally.awaitComplete(p.gen().established.get());
        p.gen().recording = true;
      }
      long readyAt = System.nanoTime();
      long cpu0 = Proc.cpuNanos(ProcessHandle.current().pid());
      writeAtomically(dir.resolve("gen-" + gen + ".ready"), "established=" + established + "\nconnect_s="
          + (connectEnd - connectStart) / 1e9 + "\n");
      System.out.printf("generator %d: %d of %d connections established in %.1f s (%s); waiting for %d events%n",
          gen, established, total, (connectEnd - connectStart) / 1e9, mine, events);
      awaitDelivery(parts, events, rate, readyAt, o.integer("grace-s", 30), o.integer("max-wait-s", 900));
      long end = System.nanoTime();
      long cpu = Proc.cpuNanos(ProcessHandle.current().pid()) - cpu0;
      writeResult(dir.resolve("gen-" + gen + ".result"), gen, parts, events, warmup, connectStart, connectEnd, end,
          cpu);
      // Hold the connections while the merge step reads the nodes' memory; it writes "release" when done.
      Path release = dir.resolve("release");
      long holdUntil = System.nanoTime() + o.integer("hold-max-s", 300) * 1_000_000_000L;
      while (!Files.exists(release) && System.nanoTime() < holdUntil) {
        Thread.sleep(100); // polling the awaited condition (the release file), bounded
      }
    } finally {
      for (Part p : parts) {
        p.gen().close();
      }
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
  }

  /** {@code mix}: SSE and WebSocket ({@code wsPercent} of them); {@code sse}, {@code ws}, {@code wt}: all one. */
  private static void open(Part p, String transport, int wsPercent, int batch) throws InterruptedException {
    long timeout = 600_000;
    switch (transport) {
      case "wt" -> ((WtLoadGen) p.gen()).open(BenchServer.TOPIC, p.count(), Math.min(batch, 100), timeout);
      case "sse", "ws", "mix" -> {
        int ws = transport.equals("ws") ? p.count() : transport.equals("sse") ? 0 : p.count() * wsPercent / 100;
        LoadGen g = (LoadGen) p.gen();
        if (p.count() - ws > 0) {
          g.open(LoadGen.Kind.SSE, BenchServer.TOPIC, null, p.count() - ws, batch, timeout);
        }
        if (ws > 0) {
          g.open(LoadGen.Kind.WS, BenchServer.TOPIC, null, ws, batch, timeout);
        }
      }
      default -> throw new IllegalArgumentException("--transport " + transport + " (expected: mix, sse, ws or wt)");
    }
  }

  /**
   * Waits until every established subscriber has every event, every subscriber has closed, {@code graceS} after
   * the schedule's end (counted from the first event seen), or {@code maxWaitS} after the ready file.
   */
  private static void awaitDelivery(List<Part> parts, long events, double rate, long readyAt, int graceS,
      int maxWaitS) throws InterruptedException {
    long scheduleNanos = (long) (events / rate * 1e9);
    while (true) {
      boolean done = true;
      boolean allClosed = true;
      long first = 0;
      for (Part p : parts) {
        int est = p.gen().established.get();
        done &= p.gen().tally.complete.get() >= est;
        allClosed &= p.gen().closed.get() >= est;
        long f = p.gen().tally.firstAt.get();
        if (f != 0 && (first == 0 || f < first)) {
          first = f;
        }
      }
      long now = System.nanoTime();
      if (done || allClosed || (first != 0 && now - first > scheduleNanos + graceS * 1_000_000_000L)
          || now - readyAt > maxWaitS * 1_000_000_000L) {
        return;
      }
      Thread.sleep(100); // polling the awaited condition (all events delivered) under the deadlines above
    }
  }

  private static void writeResult(Path file, int gen, List<Part> parts, long events, long warmup,
      long connectStart, long connectEnd, long end, long cpuNanos) throws IOException {
    Properties r = new Properties();
    Map<String, Long> sums = new LinkedHashMap<>();
    Histogram all = new Histogram(3);
    long first = 0;
    long completeAt = 0;
    boolean allComplete = true;
    String firstFailure = "";
    List<String> targets = new ArrayList<>();
    for (Part p : parts) {
      Generator g = p.gen();
      Histogram h = g.latency.getIntervalHistogram();
      all.add(h);
      r.setProperty("hist." + p.target(), HistogramText.encode(h));
      r.setProperty("established." + p.target(), Integer.toString(g.established.get()));
      targets.add(p.target());
      Tally t = g.tally;
      long[] v = {g.established.get(), g.failed.get(), g.closed.get(), t.distinct.sum(),
          t.duplicates.sum(), t.reordered.sum(), t.unexpected.sum(), t.complete.get()};
      for (int i = 0; i < SUMMED.length; i++) {
        sums.merge(SUMMED[i], v[i], Long::sum);
      }
      long f = t.firstAt.get();
      if (f != 0 && (first == 0 || f < first)) {
        first = f;
      }
      allComplete &= t.allCompleteAt != 0;
      completeAt = Math.max(completeAt, t.allCompleteAt);
      if (firstFailure.isEmpty() && g.firstFailure != null) {
        firstFailure = g.firstFailure;
      }
    }
    sums.forEach((k, v) -> r.setProperty(k, Long.toString(v)));
    long[] values = {events, warmup, connectStart, connectEnd, first, allComplete ? completeAt : 0, end, cpuNanos};
    String[] names = {"events", "warmup", "connectStart", "connectEnd", "firstAt", "completeAt", "end", "cpuNanos"};
    for (int i = 0; i < names.length; i++) {
      r.setProperty(names[i], Long.toString(values[i]));
    }
    r.setProperty("gen", Integer.toString(gen));
    r.setProperty("targets", String.join(",", targets));
    r.setProperty("hist", HistogramText.encode(all));
    r.setProperty("firstFailure", firstFailure);
    writeAtomically(file, ClusterRun.store(r, "ClusterGen " + gen));
    long established = sums.getOrDefault("established", 0L);
    System.out.printf("generator %d: %d subscribers, %d of them complete, %d lost, %d duplicated, %d reordered%n",
        gen, established, sums.getOrDefault("complete", 0L),
        events * established - sums.getOrDefault("distinct", 0L), sums.getOrDefault("duplicates", 0L),
        sums.getOrDefault("reordered", 0L));
  }

  /** Writes {@code text} to a temporary file and renames it, so a reader never sees half of it. */
  static void writeAtomically(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
  }
}
