package io.livepush.examples;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.sse.SseTransport;
import java.util.Map;

/** The README's quick start, compiled and run by {@code QuickStartTest} so it cannot rot. */
public final class QuickStart {
  private QuickStart() {}

  /** Starts a server, publishes one score, returns the server (running) and the event's id. */
  public static Map.Entry<LivePushServer, EventId> run(int port) {
    // tag::quickstart[]
    LivePushServer server = LivePushServer.builder()
        .port(port)
        .transport(SseTransport.builder()
            .route("/api/match/{id}/live", "match:{id}")   // GET → follows topic match:<id>
            .build())
        .build();
    server.start().join();

    // From any thread: appended to the replay log, pushed to every follower.
    EventId id = server.publish("match:42",
        Event.json(Map.of("home", 3, "away", 2, "minute", 67)).withType("score-update"));
    // Browser: new EventSource("/api/match/42/live")
    //            .addEventListener("score-update", e => render(JSON.parse(e.data)));
    // end::quickstart[]
    return Map.entry(server, id);
  }
}
