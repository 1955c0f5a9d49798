package io.livepush.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.AuthResult;
import io.livepush.Authenticator;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.LivePushServer;
import io.livepush.Presence;
import io.livepush.Principal;
import io.livepush.RequestInfo;
import io.livepush.TopicAuthorizer;
import io.livepush.redis.RedisBus;
import io.livepush.websocket.ClientMessage;
import io.livepush.websocket.WebSocketConnection;
import io.livepush.websocket.WebSocketMessageHandler;
import io.livepush.websocket.WebSocketTransport;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * Chat rooms over WebSocket with history and presence, ready to run as a cluster through Redis.
 *
 * <ul>
 *   <li>A room {@code <name>} is the topic {@code room:<name>}. Clients subscribe to it on {@code /rooms/ws}
 *       ({@code livepush.v1}); a subscribe with {@code "from"} replays what the log still holds after that id
 *       (the room's history), then live messages follow. Right after {@code subscribed} comes a
 *       {@code presence} message with who is in the room; {@code room:<name>~presence} carries joins and
 *       leaves.</li>
 *   <li>Clients say something with {@code {"type":"message","topic":"room:<name>","data":{"text":".."},"ref":..}};
 *       the handler publishes {@code {"from":<user>,"text":..}} as a {@code message} event and replies with its
 *       id. Servers and bots post with {@code POST /api/rooms/<name>/messages} and {@code {"text":".."}}
 *       (answered {@code 202 {"id":..}}).</li>
 *   <li>Who is who: the demo authenticator takes the user name from the {@code user} query parameter or the
 *       {@code X-User} header (1–24 of {@code a-z 0-9 _ -}): no secret, so it is for trying the example only;
 *       see {@link NotificationsApp} for bearer tokens.</li>
 * </ul>
 *
 * <p>The message handler and the HTTP service use the blocking {@link LivePushServer#publish}, which waits for
 * Redis: livepush runs them on its blocking executor, so that is fine on a cluster.
 *
 * <p>Run (one node, or several with {@code --redis redis://host:6379} / {@code REDIS_URL}):
 * {@code ./mvnw -q -pl livepush-examples -am package -DskipTests exec:java
 * -Dexec.mainClass=io.livepush.examples.ChatRoomsApp}.
 */
public final class ChatRoomsApp {
  /** The WebSocket endpoint. */
  public static final String PATH = "/rooms/ws";
  /** The event type of a chat message. */
  public static final String TYPE = "message";
  static final int MAX_TEXT_CHARS = 500;
  private static final Pattern NAME = Pattern.compile("[a-z0-9_-]{1,24}");
  private static final String POST_PREFIX = "/api/rooms/";
  private static final String POST_SUFFIX = "/messages";

  private ChatRoomsApp() {}

  /**
   * Adds the example to {@code base} (host, port, a bus...) and builds the server, not started; shared with the
   * example's tests.
   */
  public static LivePushServer create(LivePushServer.Builder base) {
    ObjectMapper mapper = new ObjectMapper();
    AtomicReference<LivePushServer> self = new AtomicReference<>();
    LivePushServer server = base
        .objectMapper(mapper)
        .authenticator(Authenticator.nonBlocking(ChatRoomsApp::authenticate))
        .topicAuthorizer(TopicAuthorizer.nonBlocking(TopicAuthorizer.byPrincipal((p, topic) -> isRoomTopic(topic))))
        .presence(t -> t.startsWith("room:") && !t.endsWith(Presence.TOPIC_SUFFIX))
        .presenceSnapshot(true)
        .transport(WebSocketTransport.builder()
            .path(PATH)
            .allowMissingOrigin(true)
            .messageHandler(ChatRoomsApp::onMessage)
            .build())
        .authenticatedHttpService(post(mapper, (topic, event) -> self.get().publish(topic, event)))
        .build();
    self.set(server);
    return server;
  }

  /** Demo only: the name the client claims. Quick and in memory, so on the event loop. */
  static AuthResult authenticate(RequestInfo request) {
    List<String> q = request.queryParameters().get("user");
    String name = q != null && !q.isEmpty() ? q.get(0) : request.header("X-User");
    if (name == null || !NAME.matcher(name).matches()) {
      return AuthResult.unauthorized("name yourself with ?user=<a-z 0-9 _ -, at most 24>");
    }
    return AuthResult.allow(Principal.of(name));
  }

  static boolean isRoomTopic(String topic) {
    String room = topic.startsWith("room:") ? topic.substring(5) : "";
    if (room.endsWith(Presence.TOPIC_SUFFIX)) {
      room = room.substring(0, room.length() - Presence.TOPIC_SUFFIX.length());
    }
    return NAME.matcher(room).matches();
  }

  /** On the blocking executor: {@code publish} may wait for Redis. */
  static void onMessage(WebSocketConnection connection, ClientMessage message) {
    String topic = message.topic();
    String text = message.data().path("text").asText("");
    if (topic == null || topic.endsWith(Presence.TOPIC_SUFFIX) || text.isBlank()) {
      connection.reply(message.ref(), Map.of("error", "expected topic room:<name> and {\"text\":..}"));
      return;
    }
    EventId id = connection.publish(topic, chatEvent(connection.principal().name(), text));
    connection.reply(message.ref(), Map.of("id", id.toString()));
  }

  static Event chatEvent(String from, String text) {
    String cut = text.length() > MAX_TEXT_CHARS ? text.substring(0, MAX_TEXT_CHARS) : text;
    return Event.json(Map.of("from", from, "text", cut)).withType(TYPE);
  }

  /** How the HTTP service publishes. */
  @FunctionalInterface
  interface Publisher {
    EventId publish(String topic, Event event);
  }

  /** {@code POST /api/rooms/<name>/messages} with {@code {"text":..}}, as the authenticated user. */
  static HttpService post(ObjectMapper mapper, Publisher publisher) {
    return (request, body) -> {
      String path = request.path();
      if (!path.startsWith(POST_PREFIX) || !path.endsWith(POST_SUFFIX)) {
        return null;
      }
      if (!request.method().equals("POST")) {
        return HttpReply.text(405, "use POST\n").withHeader("Allow", "POST");
      }
      String room = path.substring(POST_PREFIX.length(), path.length() - POST_SUFFIX.length());
      if (!NAME.matcher(room).matches()) {
        return HttpReply.text(404, "no such room\n");
      }
      JsonNode json;
      try {
        json = mapper.readTree(body);
      } catch (java.io.IOException e) {
        json = null;
      }
      String text = json == null ? "" : json.path("text").asText("");
      if (text.isBlank()) {
        return HttpReply.text(400, "expected JSON {\"text\":<text>}\n");
      }
      EventId id = publisher.publish("room:" + room, chatEvent(request.principal().name(), text));
      return HttpReply.json(202, "{\"id\":\"" + id + "\"}");
    };
  }

  /** Runs one node: {@code --port N} / {@code PORT}, {@code --redis URL} / {@code REDIS_URL}. */
  public static void main(String[] args) {
    LivePushServer.Builder base = LivePushServer.builder().port(ScoreboardApp.port(args));
    String redis = ScoreboardApp.redisUrl(args);
    if (redis != null) {
      base.bus(RedisBus.builder().uri(redis).build());
    }
    LivePushServer server = create(base);
    server.start().join();
    server.closeOnJvmShutdown();
    System.out.println("chat rooms on ws://localhost:" + server.port() + PATH + "?user=<name>");
    server.blockUntilShutdown();
  }
}
