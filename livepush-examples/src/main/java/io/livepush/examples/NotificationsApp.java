package io.livepush.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.AuthResult;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.LivePushServer;
import io.livepush.Principal;
import io.livepush.RequestInfo;
import io.livepush.Topics;
import io.livepush.sse.SseTransport;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Per-user notifications over SSE with authentication: each user follows {@code GET /me/notifications}, which the
 * route maps to the topic {@code user:<name>} of the authenticated principal, so no user id appears in the URL
 * and nobody can follow someone else's topic. {@code POST /api/notify} ({@code {"to":"bob","text":"..."}}) is an
 * authenticated HTTP service that publishes to the recipient's topic; {@code GET /api/me} answers the caller's
 * name.
 *
 * <p>The authenticator looks the bearer token ({@code Authorization: Bearer <token>}, or the {@code session}
 * cookie for browsers) up in a {@link SessionStore}, which may block (a database, an introspection endpoint):
 * livepush runs it on its blocking executor, never on an event loop. Refusals get 401 with
 * {@code WWW-Authenticate: Bearer}.
 *
 * <p>Run: {@code ./mvnw -q -pl livepush-examples -am package -DskipTests exec:java
 * -Dexec.mainClass=io.livepush.examples.NotificationsApp}, then
 * {@code curl -N -H 'Authorization: Bearer alice-token' localhost:8080/me/notifications} and
 * {@code curl -H 'Authorization: Bearer bob-token' -d '{"to":"alice","text":"hi"}' localhost:8080/api/notify}.
 */
public final class NotificationsApp {
  /** The event type of a notification. */
  public static final String TYPE = "notification";
  /** Longest notification text, in characters; longer is cut. */
  static final int MAX_TEXT_CHARS = 500;

  /** Who a session token belongs to; implementations may block. */
  @FunctionalInterface
  public interface SessionStore {
    /** The user name of {@code token}, or empty when the token is unknown or expired. */
    Optional<String> user(String token);
  }

  private NotificationsApp() {}

  /**
   * Adds the example to {@code base} (which sets host, port and the like) and builds the server, not started;
   * shared with the example's test.
   */
  public static LivePushServer create(LivePushServer.Builder base, SessionStore sessions) {
    ObjectMapper mapper = new ObjectMapper();
    AtomicReference<LivePushServer> self = new AtomicReference<>();
    LivePushServer server = base
        .objectMapper(mapper)
        .authenticator(request -> authenticate(request, sessions))
        .transport(SseTransport.builder()
            .route("/me/notifications", "user:{" + SseTransport.PRINCIPAL_VARIABLE + "}")
            .build())
        .authenticatedHttpService(api(mapper, (topic, event) -> self.get().publish(topic, event)))
        .build();
    self.set(server);
    return server;
  }

  /** May block: {@code sessions} is asked on livepush's blocking executor. */
  static AuthResult authenticate(RequestInfo request, SessionStore sessions) {
    String auth = request.header("Authorization");
    String token = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim()
        : request.cookie("session");
    if (token == null || token.isEmpty()) {
      return AuthResult.unauthorized("a bearer token or session cookie is required", "Bearer");
    }
    return sessions.user(token).map(name -> AuthResult.allow(Principal.of(name)))
        .orElseGet(() -> AuthResult.unauthorized("unknown or expired token", "Bearer error=\"invalid_token\""));
  }

  /** How the API publishes: the blocking {@code LivePushServer.publish}, fine on the blocking executor. */
  @FunctionalInterface
  interface Publisher {
    EventId publish(String topic, Event event);
  }

  /** {@code POST /api/notify} and {@code GET /api/me}; only ever sees authenticated requests. */
  static HttpService api(ObjectMapper mapper, Publisher publisher) {
    return (request, body) -> {
      String me = request.principal().name();
      if (request.path().equals("/api/me") && request.method().equals("GET")) {
        return HttpReply.json(200, "{\"name\":" + quote(mapper, me) + "}");
      }
      if (!request.path().equals("/api/notify")) {
        return null;
      }
      if (!request.method().equals("POST")) {
        return HttpReply.text(405, "use POST\n").withHeader("Allow", "POST");
      }
      JsonNode json;
      try {
        json = mapper.readTree(body);
      } catch (java.io.IOException e) {
        return HttpReply.text(400, "expected JSON {\"to\":..,\"text\":..}\n");
      }
      String to = json == null ? null : json.path("to").asText(null);
      String text = json == null ? null : json.path("text").asText(null);
      if (to == null || text == null || !Topics.isValid("user:" + to)) {
        return HttpReply.text(400, "expected JSON {\"to\":<user>,\"text\":<text>}\n");
      }
      String cut = text.length() > MAX_TEXT_CHARS ? text.substring(0, MAX_TEXT_CHARS) : text;
      EventId id = publisher.publish("user:" + to, Event.json(Map.of("from", me, "text", cut)).withType(TYPE));
      return HttpReply.json(202, "{\"id\":\"" + id + "\"}");
    };
  }

  private static String quote(ObjectMapper mapper, String s) {
    try {
      return mapper.writeValueAsString(s);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs the example with two demo tokens: {@code alice-token} and {@code bob-token}. */
  public static void main(String[] args) {
    Map<String, String> tokens = Map.of("alice-token", "alice", "bob-token", "bob");
    LivePushServer server = create(LivePushServer.builder().port(ScoreboardApp.port(args)),
        t -> Optional.ofNullable(tokens.get(t)));
    server.start().join();
    server.closeOnJvmShutdown();
    System.out.println("notifications on http://localhost:" + server.port() + "/me/notifications");
    server.blockUntilShutdown();
  }
}
