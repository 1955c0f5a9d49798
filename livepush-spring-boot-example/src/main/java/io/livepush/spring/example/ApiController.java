package io.livepush.spring.example;

import io.livepush.Event;
import io.livepush.LivePushServer;
import java.security.Principal;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * The REST API: scores go through {@link ScoreService}; chat messages are published right here, to
 * {@code room:<room>}, with the sender from Spring Security's principal.
 */
@RestController
class ApiController {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,32}");

  private final ScoreService scores;
  private final LivePushServer push;
  private final Tokens tokens;

  ApiController(ScoreService scores, LivePushServer push, Tokens tokens) {
    this.scores = scores;
    this.push = push;
    this.tokens = tokens;
  }

  record ScoreUpdate(int home, int away) {}

  record ChatMessage(String text) {}

  @PostMapping("/api/matches/{match}/score")
  Map<String, String> score(@PathVariable String match, @RequestBody ScoreUpdate update) {
    return Map.of("id", scores.update(checked(match), update.home(), update.away()).toString());
  }

  @GetMapping("/api/matches/{match}")
  ScoreService.Score current(@PathVariable String match) {
    return scores.current(checked(match));
  }

  @PostMapping("/api/rooms/{room}/messages")
  Map<String, String> say(@PathVariable String room, @RequestBody ChatMessage message, Principal user) {
    if (message.text() == null || message.text().isBlank() || message.text().length() > 500) {
      throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "text: 1..500 characters");
    }
    Event event = Event.json(Map.of("from", user.getName(), "text", message.text())).withType("chat");
    return Map.of("id", push.publish("room:" + checked(room), event).toString());
  }

  /** Development only: a one-hour token for any user name (the example has no identity provider). */
  @GetMapping("/token")
  Map<String, String> token(@RequestParam String user) {
    return Map.of("token", tokens.issue(checked(user), Duration.ofHours(1)));
  }

  private static String checked(String id) {
    if (!ID.matcher(id).matches()) {
      throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "id: 1..32 of [A-Za-z0-9_-]");
    }
    return id;
  }
}
