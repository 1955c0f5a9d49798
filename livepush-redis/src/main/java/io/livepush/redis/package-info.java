/**
 * A cluster bus for livepush on Redis Streams: {@link io.livepush.redis.RedisBus} plugs into
 * {@code LivePushServer.Builder.bus(...)} so several nodes share one log with cluster-wide ids. See
 * {@code docs/cluster.md}.
 */
package io.livepush.redis;
