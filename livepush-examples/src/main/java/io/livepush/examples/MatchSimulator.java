package io.livepush.examples;

import io.livepush.Event;
import io.livepush.LivePushServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Plays a few football matches in fast-forward: every tick each match advances some minutes and sometimes
 * scores, publishing {@code score-update} to {@code match:<id>}; at minute 90 it publishes {@code match-end}
 * and, after a short break, kicks off again. Publishes from its own thread, as an application would.
 */
public final class MatchSimulator implements AutoCloseable {
  /** One match's current state; also the JSON payload of each event. */
  public record Score(String id, String home, String away, int homeGoals, int awayGoals, int minute,
      boolean finished) {}

  private static final String[][] TEAMS = {
      {"Lions", "Eagles"}, {"Harbour", "Rovers"}, {"United", "Athletic"}};

  private final LivePushServer server;
  private final Random random;
  private final Map<String, Score> matches = new LinkedHashMap<>();
  private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "match-simulator");
    t.setDaemon(true);
    return t;
  });

  public MatchSimulator(LivePushServer server, long seed) {
    this.server = server;
    this.random = new Random(seed);
    for (int i = 0; i < TEAMS.length; i++) {
      String id = Integer.toString(i + 1);
      matches.put(id, new Score(id, TEAMS[i][0], TEAMS[i][1], 0, 0, 0, false));
    }
  }

  /** Starts ticking every {@code tickMillis}. */
  public MatchSimulator start(long tickMillis) {
    clock.scheduleAtFixedRate(() -> {
      try {
        tick();
      } catch (RuntimeException e) {
        // With a bus, publish fails while Redis is unreachable; an uncaught exception would end the schedule.
        System.err.println("match simulator: publish failed (" + e.getMessage() + "); trying again next tick");
      }
    }, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
    return this;
  }

  /** Snapshot of all matches. */
  public synchronized List<Score> matches() {
    return new ArrayList<>(matches.values());
  }

  /** Advances every match once; public so tests can drive the clock themselves. */
  public synchronized void tick() {
    for (Map.Entry<String, Score> e : matches.entrySet()) {
      Score s = e.getValue();
      String topic = "match:" + s.id();
      if (s.finished()) {
        if (random.nextInt(4) == 0) { // half-time show over: a new game
          Score next = new Score(s.id(), s.home(), s.away(), 0, 0, 0, false);
          e.setValue(next);
          server.publish(topic, Event.json(next).withType("score-update"));
        }
        continue;
      }
      int minute = Math.min(90, s.minute() + 1 + random.nextInt(4));
      int home = s.homeGoals() + (random.nextInt(12) == 0 ? 1 : 0);
      int away = s.awayGoals() + (random.nextInt(14) == 0 ? 1 : 0);
      Score next = new Score(s.id(), s.home(), s.away(), home, away, minute, minute >= 90);
      e.setValue(next);
      server.publish(topic, Event.json(next).withType("score-update"));
      if (next.finished()) {
        server.publish(topic, Event.json(next).withType("match-end"));
      }
    }
  }

  @Override
  public void close() {
    clock.shutdownNow();
  }
}
