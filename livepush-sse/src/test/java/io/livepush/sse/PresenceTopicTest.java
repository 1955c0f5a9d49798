package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepush.Event;
import io.livepush.InvalidTopicException;
import io.livepush.LivePushServer;
import io.livepush.Principal;
import io.livepush.TopicAuthorizer;
import io.livepush.Topics;
import io.livepush.fixtures.LiveServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Presence topics belong to the server (issue 10 item 4), on SSE: a companion topic is authorized as its base,
 * and the public publish API refuses companions. (WebSocket: {@code WsPresenceTopicTest}.)
 */
class PresenceTopicTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  @RegisterExtension final LiveServer fixture = new LiveServer();

  @Test
  void companionTopicsInheritTheirBaseAuthorizationAndOnlyLivepushPublishesToThem() throws Exception {
    List<String> asked = new CopyOnWriteArrayList<>();
    LivePushServer server = fixture.start(LivePushServer.builder()
        .presence(t -> true)
        .topicAuthorizer(TopicAuthorizer.byPrincipal((Principal p, String topic) -> {
          asked.add(topic);
          return !topic.equals("vip");
        }))
        .transport(SseTransport.builder().route("/t/{name}", "{name}").multiTopicPath("/events").build()));

    assertThat(get("/t/vip").statusCode()).isEqualTo(403);
    assertThat(get("/t/vip~presence").statusCode()).as("refused vip, refused its members").isEqualTo(403);
    assertThat(get("/events?topic=room:1,vip~presence").statusCode()).isEqualTo(403);
    assertThat(get("/t/~presence").statusCode()).as("a companion of nothing").isEqualTo(403);
    assertThat(asked).contains("vip").doesNotContain("vip~presence");

    try (RawSseClient c = RawSseClient.open(http, uri("/t/room:1~presence"), null)) {
      assertThat(c.response.statusCode()).isEqualTo(200);
      c.awaitAnyId();
      // The server's own presence event still reaches it: a member joins room:1.
      try (RawSseClient member = RawSseClient.open(http, uri("/t/room:1"), null)) {
        member.awaitAnyId();
        assertThat(c.next().type()).isEqualTo("presence.join");
      }
    }

    for (String t : new String[] {"room:1~presence", "~presence", "a~b~presence"}) {
      assertThat(Topics.isCompanion(t)).isTrue();
      assertThatThrownBy(() -> server.publish(t, Event.text("forged"))).isInstanceOf(InvalidTopicException.class)
          .hasMessageContaining("companion");
      assertThatThrownBy(() -> server.publishAsync(t, Event.text("forged")))
          .isInstanceOf(InvalidTopicException.class);
    }
    assertThat(Topics.isCompanion("room~presences")).isFalse();
    assertThat(Topics.authorizationTopic("a~b~presence")).isEqualTo("a~b");
    server.publish("room~chat", Event.text("fine")); // '~' alone is an ordinary character
  }

  private URI uri(String path) {
    return fixture.uri(path);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
