package io.livepush.client;

import java.util.Objects;

/**
 * The server could not replay {@code topic} from the client's position: events may have been missed, so the
 * application reloads that topic's state (for example from a REST snapshot) and carries on with the live events
 * that follow. Sent as an SSE event of type {@code reset} with JSON data {@code {"topic","reason","id"}} or a
 * WebSocket message {@code {"type":"reset",...}} (docs/protocol.md, "Resume rules").
 *
 * @param topic the topic that was reset
 * @param reason why: {@value #EPOCH_CHANGED}, {@value #TOO_OLD}, {@value #UNKNOWN_POSITION},
 *     {@value #SLOW_CONSUMER}, or another reason a newer server names
 * @param id the position the topic is live from, or {@code null} when the server named none
 */
public record Reset(String topic, String reason, String id) implements StreamItem {
  /** The server restarted (a new epoch): the position belongs to a history that is gone. */
  public static final String EPOCH_CHANGED = "epoch-changed";
  /** The topic's events after the position have left the replay log (count, bytes or age bounds). */
  public static final String TOO_OLD = "too-old";
  /** The position is ahead of the log's head. */
  public static final String UNKNOWN_POSITION = "unknown-position";
  /** The server dropped events queued for this connection because it read too slowly. */
  public static final String SLOW_CONSUMER = "slow-consumer";

  /**
   * Checks that {@code topic} and {@code reason} are present.
   *
   * @param topic the topic or {@code null}
   * @param reason the reason
   * @param id the event id or {@code null}
   */
  public Reset {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(reason, "reason");
  }
}
