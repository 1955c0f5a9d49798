package io.livepush;

import java.util.List;

/**
 * Who follows a topic, for topics with presence enabled ({@link LivePushServer.Builder#presence}). One member
 * per principal name, however many connections it has; a member whose last connection leaves stays listed for
 * the grace period ({@link LivePushServer.Builder#presenceGrace}) so a client that drops and resumes does not
 * flap.
 *
 * <h2>Join and leave events</h2>
 * Changes are published on the companion topic {@link #eventsTopic(String) topic + "~presence"} as events of
 * type {@value #JOIN_TYPE} / {@value #LEAVE_TYPE} with JSON data
 * {@code {"topic":..,"member":<name>,"metadata":{..},"count":<members now>}}. Clients opt in by subscribing
 * to the companion topic like any other (authorizers see that name); they are replayable and resumable like
 * other events.
 *
 * <h2>Snapshot on subscribe</h2>
 * With {@link LivePushServer.Builder#presenceSnapshot} on, a connection that subscribes to a presence-enabled
 * topic receives, right after its subscription marker and on that connection only, the members at that moment:
 * {@code {"topic":..,"members":[{"name":..,"metadata":{..}}],"count":<n>}} (SSE: an event of type
 * {@value #SNAPSHOT_TYPE} without an id; WebSocket: {@code {"type":"presence","topic":..,"data":<that>}}). Join
 * and leave events after it update it; one already counted in the snapshot may still arrive, so apply them by
 * member name.
 *
 * <p>On a single node it counts this node's connections; with a bus that supports cluster presence
 * ({@link io.livepush.spi.EventBus#startPresence}) counts and members cover every node. Methods are safe from any
 * thread.
 */
public interface Presence {
  /** Event type of a join. */
  String JOIN_TYPE = "presence.join";
  /** Event type of a leave. */
  String LEAVE_TYPE = "presence.leave";
  /**
   * SSE event type of the member snapshot a subscriber receives when
   * {@link LivePushServer.Builder#presenceSnapshot} is on (WebSocket: a {@code presence} message).
   */
  String SNAPSHOT_TYPE = "presence.snapshot";
  /** Suffix of the companion topic carrying join and leave events. */
  String TOPIC_SUFFIX = "~presence";

  /**
   * Members of {@code topic} now (including those in their grace period).
   *
   * @param topic a presence-enabled topic (not its companion)
   * @return the number of members, {@code 0} for a topic without presence or without followers
   */
  int count(String topic);

  /**
   * The members of {@code topic}, ordered by name.
   *
   * @param topic a presence-enabled topic (not its companion)
   * @return an immutable snapshot, empty for a topic without presence or without followers
   */
  List<Member> members(String topic);

  /**
   * The companion topic of {@code topic}, which carries its join and leave events.
   *
   * @param topic a topic name
   * @return {@code topic + }{@value #TOPIC_SUFFIX}
   */
  static String eventsTopic(String topic) {
    return topic + TOPIC_SUFFIX;
  }

  /**
   * One member.
   *
   * @param name the principal's name
   * @param metadata public data about the member (from {@link LivePushServer.Builder#presenceMetadata})
   * @param connections connections of this principal following the topic now (0 during the grace period)
   */
  record Member(String name, java.util.Map<String, Object> metadata, int connections) {
    /**
     * Copies {@code metadata}, so a member is immutable.
     *
     * @param name the principal's name
     * @param metadata public data about the member; copied
     * @param connections connections of this principal following the topic now, {@code >= 0}
     * @throws NullPointerException if {@code metadata} or one of its keys or values is {@code null}
     */
    public Member {
      metadata = java.util.Map.copyOf(metadata);
    }
  }
}
