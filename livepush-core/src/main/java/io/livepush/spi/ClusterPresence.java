package io.livepush.spi;

import java.util.List;
import java.util.Objects;

/**
 * This node's side of cluster-wide presence, handed by the server to its bus ({@link EventBus#startPresence}).
 * The bus periodically stores {@link #localMembers()} where every node can read them, with an expiry it keeps
 * refreshing, and answers with {@link #update} what the other live nodes hold; a node that stops refreshing
 * (crashed, partitioned, stopped) has its members removed by exactly one other node, which announces their
 * {@code presence.leave}. Join and leave events themselves still travel as ordinary events through the bus.
 *
 * <p>Methods are safe from any thread and never block (they take the presence lock briefly).
 */
public interface ClusterPresence {

  /**
   * A snapshot of this node's members of every presence-enabled topic (including those within their grace).
   *
   * @return a new list, the caller's to keep; empty when nobody is present, never {@code null}
   */
  List<Entry> localMembers();

  /**
   * Replaces the view of the <em>other</em> nodes' members with {@code others}; then announces a
   * {@code presence.leave} for every member of {@code gone} (members of nodes found dead by this call, reported
   * to one node only) that is no longer present anywhere.
   *
   * @param others every member the other live nodes hold now; not {@code null}
   * @param gone members of nodes found dead by this bus call, to announce as left; not {@code null}, may be empty
   */
  void update(List<Entry> others, List<Entry> gone);

  /**
   * Makes this node's anonymous member names unique in the cluster (they are derived from connection ids, which
   * are per node). Called before the server accepts connections.
   *
   * @param nodeId this node's id in the cluster, unique among live nodes; not {@code null}
   */
  void nodeId(String nodeId);

  /**
   * One member of one topic on one node.
   *
   * @param topic the presence-enabled topic
   * @param member the member's name
   * @param connections the member's connections following the topic on that node (0 within the grace period)
   * @param metadataJson the member's public metadata as a JSON object
   */
  record Entry(String topic, String member, int connections, String metadataJson) {
    /**
     * Validates the components.
     *
     * @param topic the presence-enabled topic; not {@code null}
     * @param member the member's name; not {@code null}
     * @param connections the member's connections following the topic on that node, &ge; 0
     * @param metadataJson the member's public metadata as a JSON object; not {@code null}
     * @throws NullPointerException if {@code topic}, {@code member} or {@code metadataJson} is {@code null}
     */
    public Entry {
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(member, "member");
      Objects.requireNonNull(metadataJson, "metadataJson");
    }
  }
}
