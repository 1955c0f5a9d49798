package io.livepush.examples;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepush.CloseReason;
import io.livepush.ConnectionInfo;
import io.livepush.ConnectionListener;
import io.livepush.Event;
import io.livepush.websocket.ClientMessage;
import io.livepush.websocket.WebSocketConnection;
import io.livepush.websocket.WebSocketMessageHandler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The chat room of the example, over WebSocket ({@code livepush.v1}, see {@code docs/protocol.md}). Everything
 * the room says is an event of topic {@value #TOPIC}, so it is replayed to a client that resumes:
 * {@code message} events {@code {"from","text"}} and {@code members} events {@code {"members":[names]}}.
 *
 * <p>Clients send {@code {"type":"message","topic":"chat","data":{"join":"alice"},"ref":..}} (reply
 * {@code {"name","members"}}) and {@code {"data":{"say":"hi"}}} (ack); anything else is answered with an
 * {@code error} reply. The room forgets a connection when it closes (as a {@link ConnectionListener}), so
 * clients join again on every reconnection. Runs on the event loop: it only validates, updates a map and
 * publishes, which never blocks.
 *
 * <p>Membership is kept here, per connection, because members are the names people chose in the room; livepush's
 * presence ({@code LivePushServer.Builder.presence}, used by the scoreboard's viewer counts) tracks principals per
 * topic instead, and the example's connections are all anonymous.
 */
public final class ChatRoom implements WebSocketMessageHandler, ConnectionListener {
  /** The room's topic. */
  public static final String TOPIC = "chat";
  static final int MAX_NAME_CHARS = 24;
  static final int MAX_TEXT_CHARS = 500;

  private record Member(String name, WebSocketConnection connection) {}

  /** One entry per joined connection: bounded by the server's maxConnections. */
  private final Map<Long, Member> members = new ConcurrentHashMap<>();

  @Override
  public void onMessage(WebSocketConnection connection, ClientMessage message) {
    JsonNode data = message.data();
    if (!TOPIC.equals(message.topic()) || data == null || !data.isObject()) {
      connection.reply(message.ref(), Map.of("error", "expected topic \"chat\" and {\"join\"} or {\"say\"}"));
      return;
    }
    if (data.hasNonNull("join")) {
      String name = clean(data.get("join").asText(), MAX_NAME_CHARS);
      if (name.isEmpty()) {
        connection.reply(message.ref(), Map.of("error", "name: empty"));
        return;
      }
      members.put(connection.id(), new Member(name, connection));
      List<String> names = names();
      connection.reply(message.ref(), Map.of("name", name, "members", names));
      connection.publishAsync(TOPIC, Event.json(Map.of("members", names)).withType("members"));
    } else if (data.hasNonNull("say")) {
      Member m = members.get(connection.id());
      String text = clean(data.get("say").asText(), MAX_TEXT_CHARS);
      if (m == null || text.isEmpty()) {
        connection.reply(message.ref(), Map.of("error", m == null ? "join first" : "text: empty"));
        return;
      }
      connection.publishAsync(TOPIC, Event.json(Map.of("from", m.name(), "text", text)).withType("message"));
      connection.ack(message.ref());
    } else {
      connection.reply(message.ref(), Map.of("error", "expected {\"join\"} or {\"say\"}"));
    }
  }

  @Override
  public void onClose(ConnectionInfo connection, CloseReason reason) {
    Member gone = members.remove(connection.id());
    if (gone != null && reason != CloseReason.SERVER_STOPPING) {
      try {
        gone.connection().publishAsync(TOPIC, Event.json(Map.of("members", names())).withType("members"));
      } catch (IllegalStateException stopping) {
        // the server is shutting down: nobody is left to tell
      }
    }
  }

  /** Names of the joined connections, sorted. */
  public List<String> names() {
    return members.values().stream().map(Member::name).sorted().toList();
  }

  private static String clean(String s, int max) {
    String t = s.replaceAll("\\p{Cntrl}", " ").trim();
    return t.length() > max ? t.substring(0, max) : t;
  }
}
