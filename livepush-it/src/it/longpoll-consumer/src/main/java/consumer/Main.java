package consumer;

import consumer.check.OneNetty;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.longpoll.LongPollTransport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** livepush-longpoll alone: publishes one event, then polls it with java.net.http from the id before it. */
public final class Main {
  public static void main(String[] args) throws Exception {
    OneNetty.require(args[0]);
    LivePushServer server = LivePushServer.builder().host("127.0.0.1").port(0)
        .transport(LongPollTransport.builder().path("/poll").build())
        .build();
    try (server) {
      server.start().join();
      EventId id = server.publish("match:1", Event.text("goal"));
      EventId before = EventId.of(id.epoch(), id.offset() - 1);
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
          + "/poll?topic=match:1&lastEventId=" + before)).timeout(Duration.ofSeconds(30)).build();
      String body = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
      String expected = "{\"events\":[{\"id\":\"" + id + "\",\"topic\":\"match:1\",\"event\":null,\"data\":\"goal\"}],"
          + "\"position\":\"" + id + "\"}";
      if (!expected.equals(body)) {
        throw new AssertionError("expected " + expected + ", read " + body);
      }
      System.out.println("longpoll consumer: polled event " + id + " (" + Main.class.getModule() + ")");
    }
  }
}
