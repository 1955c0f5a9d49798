package io.livepush.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks what clients received against what was published, per topic: counts events <b>lost</b> (never received
 * and not covered by a {@code reset}), <b>duplicated</b> and <b>out of order</b>.
 *
 * <h2>Model</h2>
 * Each topic's events carry a sequence number {@code 1, 2, 3...} in publish order (the publisher numbers them;
 * publish a topic from one thread so that sequence order is log order). The publisher reports each one with
 * {@link #published} or, when the publish failed ambiguously (it may or may not be in the log),
 * {@link #publishUncertain}. Each client reports, in the order it saw them, {@link #received} events and
 * {@link #reset}s (a reset says "you may have missed anything before this point"). At the end, {@link #check}
 * walks each client's timeline per topic:
 * <ul>
 *   <li>a sequence number seen twice is a duplicate;</li>
 *   <li>a number lower than the highest seen so far (and not a duplicate) is out of order;</li>
 *   <li>a published number between two received ones (or between the client's start and its first, or after
 *       its last and the end of the run) that was not received is lost, unless a reset was seen between the
 *       two, or the publish was uncertain.</li>
 * </ul>
 * A client following a topic from its start uses {@code from = 0}; one that joins late passes the last number
 * it is known to have. Thread-safe (methods are synchronized): clients report from their own threads.
 */
public final class DeliveryChecker {

  private final Map<String, Set<Long>> published = new HashMap<>();
  private final Map<String, Set<Long>> uncertain = new HashMap<>();
  private final Map<String, Long> lastSeq = new HashMap<>();
  private final Map<String, Map<String, List<long[]>>> timelines = new LinkedHashMap<>();
  private final Map<String, Map<String, Long>> starts = new HashMap<>();

  private static final long RESET = -1;

  /** Records that {@code seq} of {@code topic} was published and acknowledged. */
  public synchronized void published(String topic, long seq) {
    published.computeIfAbsent(topic, k -> new HashSet<>()).add(seq);
    lastSeq.merge(topic, seq, Math::max);
  }

  /** Records that publishing {@code seq} failed ambiguously: it may or may not have been appended. */
  public synchronized void publishUncertain(String topic, long seq) {
    uncertain.computeIfAbsent(topic, k -> new HashSet<>()).add(seq);
    lastSeq.merge(topic, seq, Math::max);
  }

  /** Declares that {@code client} follows {@code topic} and already has everything up to {@code from}. */
  public synchronized void follow(String client, String topic, long from) {
    starts.computeIfAbsent(client, k -> new HashMap<>()).put(topic, from);
    timelines.computeIfAbsent(client, k -> new LinkedHashMap<>()).computeIfAbsent(topic, k -> new ArrayList<>());
  }

  /** {@code client} received {@code seq} of {@code topic}. */
  public synchronized void received(String client, String topic, long seq) {
    timeline(client, topic).add(new long[] {seq});
  }

  /** {@code client} received a reset for {@code topic}. */
  public synchronized void reset(String client, String topic) {
    timeline(client, topic).add(new long[] {RESET});
  }

  private List<long[]> timeline(String client, String topic) {
    return timelines.computeIfAbsent(client, k -> new LinkedHashMap<>()).computeIfAbsent(topic,
        k -> new ArrayList<>());
  }

  /** The highest sequence number of {@code topic} published so far (acknowledged or uncertain), or 0. */
  public synchronized long lastPublished(String topic) {
    return lastSeq.getOrDefault(topic, 0L);
  }

  /** Whether {@code client} has received {@code seq} of {@code topic}, or a reset after everything before it. */
  public synchronized boolean caughtUp(String client, String topic, long seq) {
    List<long[]> t = timeline(client, topic);
    for (int i = t.size() - 1; i >= 0; i--) {
      if (t.get(i)[0] >= seq) {
        return true;
      }
    }
    return false;
  }

  /** Walks every timeline; see the class javadoc. */
  public synchronized Report check() {
    Report r = new Report();
    for (Map.Entry<String, Map<String, List<long[]>>> c : timelines.entrySet()) {
      String client = c.getKey();
      for (Map.Entry<String, List<long[]>> tt : c.getValue().entrySet()) {
        String topic = tt.getKey();
        Set<Long> pub = published.getOrDefault(topic, Set.of());
        Set<Long> unc = uncertain.getOrDefault(topic, Set.of());
        long start = starts.getOrDefault(client, Map.of()).getOrDefault(topic, 0L);
        long end = lastSeq.getOrDefault(topic, 0L);
        Set<Long> seen = new HashSet<>();
        long high = start;
        boolean resetSince = false;
        for (long[] item : tt.getValue()) {
          long seq = item[0];
          if (seq == RESET) {
            r.resets++;
            resetSince = true;
            continue;
          }
          r.received++;
          if (!seen.add(seq) || seq <= start) {
            r.duplicated++;
            r.details.add(client + " " + topic + " #" + seq + " duplicated");
            continue;
          }
          if (seq < high) {
            r.outOfOrder++;
            r.details.add(client + " " + topic + " #" + seq + " after #" + high);
            continue;
          }
          if (!resetSince) {
            countLost(r, client, topic, pub, unc, high + 1, seq - 1);
          }
          high = seq;
          resetSince = false;
        }
        if (!resetSince) {
          countLost(r, client, topic, pub, unc, high + 1, end);
        }
      }
    }
    return r;
  }

  private static void countLost(Report r, String client, String topic, Set<Long> pub, Set<Long> unc, long from,
      long to) {
    for (long s = from; s <= to; s++) {
      if (pub.contains(s) && !unc.contains(s)) {
        r.lost++;
        if (r.details.size() < 50) {
          r.details.add(client + " " + topic + " #" + s + " lost");
        }
      }
    }
  }

  /** The counts of one {@link #check()}. */
  public static final class Report {
    public long received;
    public long lost;
    public long duplicated;
    public long outOfOrder;
    public long resets;
    /** The first problems found, for assertion messages. */
    public final List<String> details = new ArrayList<>();

    /** Whether nothing was lost, duplicated or reordered. */
    public boolean clean() {
      return lost == 0 && duplicated == 0 && outOfOrder == 0;
    }

    @Override
    public String toString() {
      return "Report{received=" + received + ", lost=" + lost + ", duplicated=" + duplicated + ", outOfOrder="
          + outOfOrder + ", resets=" + resets + ", details=" + details + '}';
    }
  }
}
