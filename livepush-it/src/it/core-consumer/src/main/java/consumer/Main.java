package consumer;

import consumer.check.OneNetty;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import java.util.Map;

/**
 * livepush-core alone (the transports come in their own artifacts): the API, Jackson included, works from the
 * published jar, and a server without a transport is refused as documented.
 */
public final class Main {
  public static void main(String[] args) {
    OneNetty.require(args[0]);
    Event event = Event.json(Map.of("home", 3)).withType("score-update");
    EventId id = EventId.parse(EventId.of(1, 41).toString());
    if (id.offset() != 41) {
      throw new AssertionError("EventId round trip gave " + id);
    }
    try {
      LivePushServer.builder().port(0).build();
      throw new AssertionError("a server without a transport was built");
    } catch (IllegalStateException expected) {
      System.out.println("core consumer: " + event + ", " + id + ", " + expected.getMessage());
    }
  }
}
