package io.livepush.redis;

import static io.livepush.redis.RedisScripts.bytes;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.livepush.spi.ClusterPresence;
import io.livepush.spi.PresenceExchange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Presence in Redis: the presence script stores this node's member hash, registers the node until Redis time +
 * expiry and returns the other live nodes' members and those of nodes it reaped. The schedule is core's
 * {@link PresenceExchange}.
 */
final class RedisPresence {
  private final RedisBusConfig config;
  private final RedisConnections connections;
  private final String nodeId;
  private final byte[] nodesKey;
  private final String memberPrefix;

  RedisPresence(RedisBusConfig config, RedisConnections connections, String nodeId) {
    this.config = config;
    this.connections = connections;
    this.nodeId = nodeId;
    this.nodesKey = bytes(config.key("presence:nodes"));
    this.memberPrefix = config.key("presence:node:");
  }

  /** One exchange ("sync"). */
  CompletableFuture<PresenceExchange.View> sync(List<ClusterPresence.Entry> local) {
    return connections.commands.get().thenCompose(c -> script(c, local, "sync"))
        .thenApply(reply -> new PresenceExchange.View(entries(reply.get(0)), entries(reply.get(1))));
  }

  /** Leaves this node's members for another node to reap at its next sync; never fails. */
  CompletableFuture<Void> depart(List<ClusterPresence.Entry> local) {
    return connections.commands.get().thenCompose(c -> script(c, local, "depart")).handle((r, e) -> null);
  }

  private CompletableFuture<List<Object>> script(RedisClusterAsyncCommands<byte[], byte[]> c,
      List<ClusterPresence.Entry> local, String mode) {
    byte[][] args = new byte[4 + 2 * local.size()][];
    args[0] = bytes(memberPrefix);
    args[1] = bytes(nodeId);
    args[2] = bytes(Long.toString(config.presenceExpiry().toMillis()));
    args[3] = bytes(mode);
    int i = 4;
    for (ClusterPresence.Entry e : local) {
      // NUL cannot occur in a valid topic; a member name containing one is cut at it on other nodes.
      args[i++] = bytes(e.topic() + '\0' + e.member());
      args[i++] = bytes(e.connections() + "\0" + e.metadataJson());
    }
    byte[][] keys = {nodesKey, bytes(memberPrefix + nodeId)};
    return RedisScripts.PRESENCE_SCRIPT.run(c, keys, args);
  }

  /** Field/value pairs of member hashes back into entries. */
  private static List<ClusterPresence.Entry> entries(Object reply) {
    List<?> flat = reply instanceof List<?> l ? l : List.of();
    List<ClusterPresence.Entry> out = new ArrayList<>(flat.size() / 2);
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      String field = new String((byte[]) flat.get(i), StandardCharsets.UTF_8);
      String value = new String((byte[]) flat.get(i + 1), StandardCharsets.UTF_8);
      int f = field.indexOf('\0');
      int v = value.indexOf('\0');
      if (f < 0 || v < 0) {
        continue; // not written by this version
      }
      out.add(new ClusterPresence.Entry(field.substring(0, f), field.substring(f + 1),
          Integer.parseInt(value.substring(0, v)), value.substring(v + 1)));
    }
    return out;
  }
}
