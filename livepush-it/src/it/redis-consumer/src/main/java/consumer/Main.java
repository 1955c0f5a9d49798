package consumer;

import consumer.check.OneNetty;
import io.lettuce.core.RedisURI;
import io.livepush.redis.RedisBus;

/**
 * livepush-redis alone. Lettuce 7.7 is built against an older Netty: the check is that its Netty modules
 * (netty-resolver-dns, netty-codec-dns, ...) arrive at livepush's version, not that Redis answers (no server
 * here; the cluster tests in livepush-redis cover that).
 */
public final class Main {
  public static void main(String[] args) {
    OneNetty.require(args[0]);
    RedisBus bus = RedisBus.builder().uri(RedisURI.create("redis://127.0.0.1:6379")).build();
    System.out.println("redis consumer: " + bus.config().uri());
  }
}
