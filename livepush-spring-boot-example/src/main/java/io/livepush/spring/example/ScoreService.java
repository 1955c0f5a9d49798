package io.livepush.spring.example;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Service;

/**
 * Keeps each match's score and publishes every change to {@code match:<id>} as a {@code score} event. Called on
 * servlet threads: {@link LivePushServer#publish} may wait for the cluster bus there (never on an event loop).
 */
@Service
public class ScoreService {
  /** A match's score. */
  public record Score(String match, int home, int away) {}

  private final LivePushServer push;
  private final Map<String, Score> scores = new ConcurrentHashMap<>();

  ScoreService(LivePushServer push) {
    this.push = push;
  }

  /**
   * Records and publishes a new score.
   *
   * @param match the match id (validated by the controller)
   * @param home home goals
   * @param away away goals
   * @return the event's id, which clients resume from
   */
  public EventId update(String match, int home, int away) {
    Score s = new Score(match, home, away);
    scores.put(match, s);
    return push.publish("match:" + match, Event.json(s).withType("score"));
  }

  /**
   * The current score.
   *
   * @param match the match id
   * @return the score, or 0:0 when none was recorded
   */
  public Score current(String match) {
    return scores.getOrDefault(match, new Score(match, 0, 0));
  }
}
