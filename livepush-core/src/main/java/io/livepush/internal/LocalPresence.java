package io.livepush.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.livepush.Event;
import io.livepush.Presence;
import io.livepush.Principal;
import io.livepush.spi.ClusterPresence;
import io.livepush.spi.LogSafe;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The single-node {@link Presence}: members per topic keyed by principal name, reference-counted by connection,
 * with a grace period before a leave. One lock guards the maps; join and leave events are published under it so
 * their order in the log matches the order of changes (lock order: presence, then log; never the reverse).
 * Memory: one entry per member of a presence-enabled topic.
 *
 * <p><b>In a cluster</b> (a bus that supports {@link ClusterPresence}) this node's members stay authoritative
 * here; the bus periodically replaces {@code remote}, the members the other live nodes hold, and counts and
 * lists are the union of both (a principal connected to two nodes is one member). Memory: one entry per member
 * per node, bounded like the nodes' own maps.
 */
public final class LocalPresence implements Presence, ClusterPresence {
  private final Hub hub;
  private final Predicate<String> enabled;
  private final long graceNanos;
  private final Function<Principal, Map<String, Object>> metadata;
  private final HashMap<String, TreeMap<String, MemberState>> topics = new HashMap<>();
  /** Other nodes' members by topic, as last reported by the bus; empty on a single node. Guarded by this. */
  private Map<String, TreeMap<String, Member>> remote = Map.of();
  /** Appended to anonymous member names in a cluster, where connection ids repeat across nodes. */
  private volatile String nodeSuffix = "";

  private static final class MemberState {
    final Map<String, Object> metadata;
    int connections;
    ScheduledFuture<?> pendingLeave;

    MemberState(Map<String, Object> metadata) {
      this.metadata = metadata;
    }
  }

  LocalPresence(Hub hub, Predicate<String> enabled, Duration grace,
      Function<Principal, Map<String, Object>> metadata) {
    this.hub = hub;
    this.enabled = enabled;
    this.graceNanos = grace.toNanos();
    this.metadata = metadata;
  }

  private boolean tracked(String topic) {
    return !topic.endsWith(TOPIC_SUFFIX) && enabled.test(topic);
  }

  /** Anonymous connections are separate members: nothing says two of them are the same person. */
  private String memberName(SessionImpl s) {
    return s.principal.isAnonymous() ? "anonymous#" + s.id + nodeSuffix : s.principal.name();
  }

  void join(SessionImpl s, Collection<String> names) {
    for (String topic : names) {
      if (!tracked(topic)) {
        continue;
      }
      String member = memberName(s);
      synchronized (this) {
        TreeMap<String, MemberState> members = topics.computeIfAbsent(topic, t -> new TreeMap<>());
        MemberState m = members.get(member);
        if (m == null) {
          Map<String, Object> md = metadata.apply(s.principal);
          m = new MemberState(md != null ? Map.copyOf(md) : Map.of());
          members.put(member, m);
          m.connections = 1;
          publish(topic, JOIN_TYPE, member, m.metadata, count(topic));
        } else {
          m.connections++;
          if (m.pendingLeave != null) {
            m.pendingLeave.cancel(false); // resumed within the grace period: no leave, no join
            m.pendingLeave = null;
          }
        }
      }
    }
  }

  void leave(SessionImpl s, Collection<String> names) {
    for (String topic : names) {
      if (!tracked(topic)) {
        continue;
      }
      String member = memberName(s);
      synchronized (this) {
        TreeMap<String, MemberState> members = topics.get(topic);
        MemberState m = members == null ? null : members.get(member);
        if (m == null || --m.connections > 0) {
          continue;
        }
        if (graceNanos == 0 || s.principal.isAnonymous()) {
          remove(topic, member, m);
          continue;
        }
        try {
          m.pendingLeave = s.channel.eventLoop().schedule(() -> {
            synchronized (LocalPresence.this) {
              if (m.connections == 0 && m.pendingLeave != null) {
                m.pendingLeave = null;
                remove(topic, member, m);
              }
            }
          }, graceNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
          remove(topic, member, m); // shutting down
        }
      }
    }
  }

  /** Caller holds the lock. */
  private void remove(String topic, String member, MemberState m) {
    TreeMap<String, MemberState> members = topics.get(topic);
    if (members == null || members.get(member) != m) {
      return;
    }
    members.remove(member);
    if (members.isEmpty()) {
      topics.remove(topic);
    }
    publish(topic, LEAVE_TYPE, member, m.metadata, count(topic));
  }

  private void publish(String topic, String type, String member, Map<String, Object> metadata, int count) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("topic", topic);
    data.put("member", member);
    data.put("metadata", metadata);
    data.put("count", count);
    try {
      byte[] json = hub.config.objectMapper().writeValueAsBytes(data);
      hub.publishFromServer(Presence.eventsTopic(topic), type, Event.Kind.JSON, json);
    } catch (JsonProcessingException | RuntimeException e) {
      Hub.LOG.warn("presence event for {} not published", topic, LogSafe.throwable(e));
    }
  }

  /**
   * The snapshot of {@code topic} as JSON, {@code {"topic":..,"members":[{"name":..,"metadata":{..}}],"count":n}},
   * or {@code null} when the topic is not tracked or the snapshot cannot be serialised. Bounded like an event:
   * members are listed in name order while the JSON stays under {@code LivePushConfig.maxEventBytes()} (the
   * last one listed may cross it by its own size); past that the list stops and {@code "truncated":true} is
   * added, {@code count} still counting every member.
   */
  byte[] snapshotJson(String topic) {
    if (!tracked(topic)) {
      return null;
    }
    List<Member> members = members(topic);
    int limit = hub.config.maxEventBytes();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256);
    try (com.fasterxml.jackson.core.JsonGenerator g = hub.config.objectMapper().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("topic", topic);
      g.writeArrayFieldStart("members");
      boolean truncated = false;
      for (Member m : members) {
        g.flush();
        if (out.size() >= limit) {
          truncated = true;
          break;
        }
        g.writeStartObject();
        g.writeStringField("name", m.name());
        g.writeObjectField("metadata", m.metadata());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeNumberField("count", members.size());
      if (truncated) {
        g.writeBooleanField("truncated", true);
      }
      g.writeEndObject();
    } catch (java.io.IOException | RuntimeException e) {
      Hub.LOG.warn("presence snapshot for {} not sent", LogSafe.of(topic), LogSafe.throwable(e));
      return null;
    }
    return out.toByteArray();
  }

  @Override
  public synchronized int count(String topic) {
    TreeMap<String, MemberState> members = topics.get(topic);
    TreeMap<String, Member> others = remote.get(topic);
    int n = members == null ? 0 : members.size();
    if (others != null) {
      for (String name : others.keySet()) {
        if (members == null || !members.containsKey(name)) {
          n++;
        }
      }
    }
    return n;
  }

  @Override
  public synchronized List<Member> members(String topic) {
    TreeMap<String, MemberState> members = topics.get(topic);
    TreeMap<String, Member> others = remote.get(topic);
    if (members == null && others == null) {
      return List.of();
    }
    TreeMap<String, Member> out = new TreeMap<>();
    if (members != null) {
      members.forEach((name, m) -> out.put(name, new Member(name, m.metadata, m.connections)));
    }
    if (others != null) {
      others.forEach((name, m) -> out.merge(name, m,
          (a, b) -> new Member(name, a.metadata(), a.connections() + b.connections())));
    }
    return List.copyOf(out.values());
  }

  // ---- ClusterPresence: called by the bus on its own threads -------------------------------------------

  @Override
  public void nodeId(String nodeId) {
    nodeSuffix = "@" + nodeId;
  }

  @Override
  public List<Entry> localMembers() {
    List<Entry> out = new ArrayList<>();
    synchronized (this) {
      topics.forEach((topic, members) -> members.forEach((name, m) ->
          out.add(new Entry(topic, name, m.connections, json(m.metadata)))));
    }
    return out;
  }

  @Override
  public void update(List<Entry> others, List<Entry> gone) {
    Map<String, TreeMap<String, Member>> view = new HashMap<>();
    for (Entry e : others) {
      // The same member may be on several other nodes: one member, connections summed.
      view.computeIfAbsent(e.topic(), t -> new TreeMap<>()).merge(e.member(),
          new Member(e.member(), parse(e.metadataJson()), e.connections()),
          (a, b) -> new Member(a.name(), a.metadata(), a.connections() + b.connections()));
    }
    synchronized (this) {
      remote = view;
      for (Entry e : gone) {
        if (!tracked(e.topic())) {
          continue;
        }
        TreeMap<String, MemberState> local = topics.get(e.topic());
        TreeMap<String, Member> rest = view.get(e.topic());
        if ((local == null || !local.containsKey(e.member())) && (rest == null || !rest.containsKey(e.member()))) {
          publish(e.topic(), LEAVE_TYPE, e.member(), parse(e.metadataJson()), count(e.topic()));
        }
      }
    }
  }

  private String json(Map<String, Object> metadata) {
    try {
      return hub.config.objectMapper().writeValueAsString(metadata);
    } catch (JsonProcessingException e) {
      return "{}"; // metadata was serializable when announced; never expected
    }
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> parse(String json) {
    try {
      Object v = hub.config.objectMapper().readValue(json, Map.class);
      return v instanceof Map ? (Map<String, Object>) v : Map.of();
    } catch (JsonProcessingException | RuntimeException e) {
      Hub.LOG.warn("unreadable presence metadata from another node: {}", LogSafe.of(e));
      return Map.of();
    }
  }
}
