package consumer;

import consumer.check.OneNetty;
import io.livepush.client.LivePushClient;
import java.net.URI;

/** livepush-client alone: a client is built (not started) from the published jar, and no Netty came with it. */
public final class Main {
  public static void main(String[] args) {
    OneNetty.require(args[0]);
    try (LivePushClient client = LivePushClient.builder().sse(URI.create("http://127.0.0.1:8080/live"))
        .topics("match:1").build()) {
      System.out.println("client consumer: " + client.config());
    }
  }
}
