package consumer;

import consumer.check.OneNetty;
import io.livepush.LivePushServer;
import io.livepush.micrometer.LivePushMeterBinder;
import io.livepush.sse.SseTransport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** livepush-micrometer from the published jars: the binder registers its meters on a server not yet started. */
public final class Main {
  public static void main(String[] args) {
    OneNetty.require(args[0]);
    LivePushServer server = LivePushServer.builder().port(0)
        .transport(SseTransport.builder().route("/t/{id}", "{id}").build()).build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    LivePushMeterBinder.of(server).bindTo(registry);
    double published = registry.get("livepush.events.published").functionCounter().count();
    if (registry.getMeters().size() < 20 || published != 0) {
      throw new AssertionError("meters: " + registry.getMeters().size() + ", published " + published);
    }
    System.out.println("micrometer consumer: " + registry.getMeters().size() + " meters");
  }
}
