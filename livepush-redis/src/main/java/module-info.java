/**
 * livepush's cluster bus on Redis Streams. Lettuce ({@code lettuce.core}, an automatic module) is required
 * transitively because {@code RedisURI} appears in the builder and the configuration.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.livepush.redis {
  requires transitive io.livepush.core;
  requires transitive lettuce.core;
  requires org.slf4j;

  exports io.livepush.redis;
}
