package consumer;

import consumer.check.OneNetty;
import io.livepush.LivePushServer;
import io.livepush.redis.RedisBus;
import io.livepush.sse.SseTransport;
import io.livepush.websocket.WebSocketTransport;

/** Every published artifact through livepush-bom, plus a Netty module of the app's own: one Netty. */
public final class Main {
  public static void main(String[] args) {
    OneNetty.require(args[0]);
    LivePushServer server = LivePushServer.builder().host("127.0.0.1").port(0)
        .transport(SseTransport.builder().route("/live/{id}", "match:{id}").build())
        .transport(WebSocketTransport.builder().build())
        .build();
    try (server) {
      server.start().join();
      System.out.println("bom consumer: both transports on port " + server.port() + ", "
          + RedisBus.class.getSimpleName() + ", " + io.livepush.kafka.KafkaBus.class.getSimpleName() + ", "
          + io.livepush.client.LivePushClient.class.getSimpleName() + ", "
          + io.livepush.webtransport.WebTransportTransport.class.getSimpleName() + ", "
          + io.livepush.test.LivePushExtension.class.getSimpleName() + " and " + io.netty.resolver.dns.DnsNameResolverBuilder.class.getSimpleName()
          + " resolved");
    }
  }
}
