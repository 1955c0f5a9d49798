package io.livepush.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.livepush.Event;
import io.livepush.Presence;
import io.livepush.Principal;
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
 */
public final class LocalPresence implements Presence {
  private final Hub hub;
  private final Predicate<String> enabled;
  private final long graceNanos;
  private final Function<Principal, Map<String, Object>> metadata;
  private final HashMap<String, TreeMap<String, MemberState>> topics = new HashMap<>();

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
  private static String memberName(SessionImpl s) {
    return s.principal.isAnonymous() ? "anonymous#" + s.id : s.principal.name();
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
          publish(topic, JOIN_TYPE, member, m, members.size());
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
    publish(topic, LEAVE_TYPE, member, m, members.size());
  }

  private void publish(String topic, String type, String member, MemberState m, int count) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("topic", topic);
    data.put("member", member);
    data.put("metadata", m.metadata);
    data.put("count", count);
    try {
      byte[] json = hub.config.objectMapper().writeValueAsBytes(data);
      hub.publishFromServer(Presence.eventsTopic(topic), type, Event.Kind.JSON, json);
    } catch (JsonProcessingException | RuntimeException e) {
      Hub.LOG.warn("presence event for {} not published", topic, e);
    }
  }

  @Override
  public synchronized int count(String topic) {
    TreeMap<String, MemberState> members = topics.get(topic);
    return members == null ? 0 : members.size();
  }

  @Override
  public synchronized List<Member> members(String topic) {
    TreeMap<String, MemberState> members = topics.get(topic);
    if (members == null) {
      return List.of();
    }
    List<Member> out = new ArrayList<>(members.size());
    members.forEach((name, m) -> out.add(new Member(name, m.metadata, m.connections)));
    return List.copyOf(out);
  }
}
