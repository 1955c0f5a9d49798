package consumer;

import consumer.check.OneNetty;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.client.LivePushClient;
import io.livepush.client.LivePushListener;
import io.livepush.client.PushEvent;
import io.livepush.sse.SseTransport;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * livepush-client and a livepush server in one app (and, compiled with a module descriptor, both on the module
 * path: their packages must not overlap): the client resumes from the id before an event and receives it.
 */
public final class Main {
  public static void main(String[] args) throws Exception {
    OneNetty.require(args[0]);
    LivePushServer server = LivePushServer.builder().host("127.0.0.1").port(0)
        .transport(SseTransport.builder().multiTopicPath("/live").build())
        .build();
    try (server) {
      server.start().join();
      EventId id = server.publish("match:1", Event.text("goal"));
      CompletableFuture<PushEvent> received = new CompletableFuture<>();
      try (LivePushClient client = LivePushClient.builder()
          .sse(URI.create("http://127.0.0.1:" + server.port() + "/live"))
          .topics("match:1")
          .from(EventId.of(id.epoch(), id.offset() - 1).toString())
          .listener(new LivePushListener() {
            @Override
            public void onEvent(PushEvent event) {
              received.complete(event);
            }
          })
          .build()) {
        client.start();
        PushEvent event = received.get(30, TimeUnit.SECONDS);
        if (!"goal".equals(event.data()) || !id.toString().equals(event.id())) {
          throw new AssertionError("expected the event " + id + ", got " + event);
        }
      }
      System.out.println("client consumer: received event " + id + " (" + Main.class.getModule() + ")");
    }
  }
}
