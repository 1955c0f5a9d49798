package io.livepush.spring.example;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.client.ClientTransport;
import io.livepush.client.PushEvent;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The example on random ports (application and livepush): real livepush-client followers over SSE and WebSocket
 * with Spring Security tokens, publishes through the REST API, and the actuator's health and Prometheus endpoints.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"livepush.port=0", "livepush.shutdown.drain=0s"})
class ExampleApplicationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @LocalServerPort
  int appPort;
  @Value("${local.livepush.port}")
  int pushPort;
  @Autowired
  Tokens tokens;

  URI app(String path) {
    return URI.create("http://127.0.0.1:" + appPort + path);
  }

  URI push(String scheme, String path) {
    return URI.create(scheme + "://127.0.0.1:" + pushPort + path);
  }

  @Test
  void restPublishesReachSseAndWebSocketFollowersAuthenticatedBySpringSecurity() throws Exception {
    String token = tokens.issue("alice", Duration.ofMinutes(5));
    try (Followers sse = new Followers(b -> b.sse(push("http", "/live/42")).authorization(() -> "Bearer " + token));
        Followers ws = new Followers(b -> b.webSocket(push("ws", "/ws")).transport(ClientTransport.WEBSOCKET)
            .topics("match:42", "room:lobby").authorization(() -> "Bearer " + token))) {
      var posted = Followers.post(app("/api/matches/42/score"), token, "{\"home\":2,\"away\":1}");
      assertThat(posted.statusCode()).isEqualTo(200);
      String id = JSON.readTree(posted.body()).get("id").asText();

      PushEvent viaSse = sse.next();
      assertThat(viaSse.type()).isEqualTo("score");
      assertThat(viaSse.id()).isEqualTo(id);
      assertThat(JSON.readTree(viaSse.data()).get("home").asInt()).isEqualTo(2);
      PushEvent viaWs = ws.next();
      assertThat(viaWs.topic()).isEqualTo("match:42");
      assertThat(viaWs.id()).isEqualTo(id);

      // The controller publishes chat itself, with the sender Spring Security authenticated.
      assertThat(Followers.post(app("/api/rooms/lobby/messages"), token, "{\"text\":\"hi\"}").statusCode())
          .isEqualTo(200);
      PushEvent chat = ws.next();
      assertThat(chat.type()).isEqualTo("chat");
      JsonNode data = JSON.readTree(chat.data());
      assertThat(data.get("from").asText()).isEqualTo("alice");
      assertThat(data.get("text").asText()).isEqualTo("hi");
    }
  }

  @Test
  void withoutATokenNeitherTheApiNorTheStreamsOpen() throws Exception {
    assertThat(Followers.post(app("/api/matches/1/score"), null, "{\"home\":1,\"away\":0}").statusCode())
        .isEqualTo(401);
    var stream = Followers.HTTP.send(java.net.http.HttpRequest.newBuilder(push("http", "/live/1")).GET().build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(stream.statusCode()).isEqualTo(401);
    assertThat(stream.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
  }

  @Test
  void actuatorShowsLivepushHealthAndMeters() throws Exception {
    String token = tokens.issue("bob", Duration.ofMinutes(5));
    assertThat(Followers.post(app("/api/matches/7/score"), token, "{\"home\":0,\"away\":1}").statusCode())
        .isEqualTo(200);
    var health = Followers.get(app("/actuator/health"));
    assertThat(health.statusCode()).isEqualTo(200);
    JsonNode livepush = JSON.readTree(health.body()).get("components").get("livepush");
    assertThat(livepush.get("status").asText()).isEqualTo("UP");
    assertThat(livepush.get("details").get("port").asInt()).isEqualTo(pushPort);

    var prometheus = Followers.get(app("/actuator/prometheus"));
    assertThat(prometheus.statusCode()).isEqualTo(200);
    assertThat(prometheus.body()).contains("livepush_connections{", "livepush_events_delivered_total",
        "livepush_delivery_latency_seconds");
    assertThat(prometheus.body().lines().filter(l -> l.startsWith("livepush_events_published_total"))
        .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst())
        .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1.0));
    var metric = Followers.get(app("/actuator/metrics/livepush.events.published"));
    assertThat(metric.statusCode()).isEqualTo(200);
  }
}
