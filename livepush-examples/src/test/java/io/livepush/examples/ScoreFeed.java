package io.livepush.examples;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The browser tests' publisher: instead of {@link MatchSimulator}'s random clock, publishes a known sequence
 * of {@code score-update}s, round-robin over three matches, when the test asks, and remembers each with its id.
 */
final class ScoreFeed {
  /** One published update as the page reports it back. */
  record Published(String id, String match, int homeGoals, int awayGoals, int minute) {}

  private static final String[][] TEAMS = {
      {"Lions", "Eagles"}, {"Harbour", "Rovers"}, {"United", "Athletic"}};
  /** Kick-off offsets, so the matches (and the README screenshot) are at different minutes. */
  private static final int[] START_MINUTE = {0, 17, 58};

  private final LivePushServer server;
  private final Map<String, MatchSimulator.Score> matches = new LinkedHashMap<>();
  private final List<Published> published = new ArrayList<>();
  private int seq;

  ScoreFeed(LivePushServer server) {
    this.server = server;
    for (int i = 0; i < TEAMS.length; i++) {
      String id = Integer.toString(i + 1);
      matches.put(id, new MatchSimulator.Score(id, TEAMS[i][0], TEAMS[i][1], 0, 0, START_MINUTE[i], false));
    }
  }

  synchronized List<MatchSimulator.Score> matches() {
    return new ArrayList<>(matches.values());
  }

  synchronized List<Published> published() {
    return new ArrayList<>(published);
  }

  /** Publishes {@code count} updates and returns them. */
  synchronized List<Published> publish(int count) {
    List<Published> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      seq++;
      String id = Integer.toString((seq - 1) % TEAMS.length + 1);
      MatchSimulator.Score s = matches.get(id);
      // Deterministic goals so the scores (and the screenshot) move.
      int home = s.homeGoals() + (seq % 7 == 3 ? 1 : 0);
      int away = s.awayGoals() + (seq % 11 == 5 ? 1 : 0);
      MatchSimulator.Score next = new MatchSimulator.Score(id, s.home(), s.away(), home, away,
          Math.min(90, s.minute() + 3), false);
      matches.put(id, next);
      EventId eventId = server.publish("match:" + id, Event.json(next).withType("score-update"));
      Published p = new Published(eventId.toString(), id, home, away, next.minute());
      published.add(p);
      out.add(p);
    }
    return out;
  }
}
