package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.LivePushServer;
import io.livepush.redis.RedisBus;
import io.livepush.testing.RedisServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The chat rooms example on real sockets with the JDK's clients: history and presence snapshot on one node, and
 * two nodes sharing a room through a real {@code redis-server}.
 */
class ChatRoomsAppTest {
  private final ObjectMapper mapper = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<LivePushServer> servers = new ArrayList<>();
  private final List<WsJsonClient> clients = new ArrayList<>();
  private RedisServerProcess redis;

  @AfterEach
  void stop() throws Exception {
    clients.forEach(WsJsonClient::close);
    servers.forEach(LivePushServer::close);
    if (redis != null) {
      redis.close();
    }
  }

  private LivePushServer node(RedisBus bus) {
    LivePushServer.Builder b = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO);
    if (bus != null) {
      b.bus(bus);
    }
    LivePushServer s = ChatRoomsApp.create(b);
    s.start().join();
    servers.add(s);
    return s;
  }

  private WsJsonClient join(LivePushServer node, String user) {
    WsJsonClient c = new WsJsonClient(URI.create("ws://127.0.0.1:" + node.port() + ChatRoomsApp.PATH
        + "?user=" + user));
    clients.add(c);
    return c;
  }

  private HttpResponse<String> post(LivePushServer node, String room, String user, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/api/rooms/" + room
            + "/messages")).header("X-User", user).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aLateJoinerGetsTheRoomsHistoryThenWhoIsThere() throws Exception {
    LivePushServer node = node(null);
    WsJsonClient ana = join(node, "ana");
    ana.send("{\"type\":\"subscribe\",\"topics\":[\"room:lobby\"],\"ref\":\"s\"}");
    String before = ana.next("subscribed").path("id").asText();
    JsonNode own = ana.next();
    assertThat(own.path("type").asText()).isEqualTo("presence");
    assertThat(own.at("/data/members").findValuesAsText("name")).containsExactly("ana");

    ana.send("{\"type\":\"message\",\"topic\":\"room:lobby\",\"data\":{\"text\":\"first\"},\"ref\":\"m1\"}");
    assertThat(ana.next("event").at("/data/text").asText()).isEqualTo("first"); // the reply may come either side
    assertThat(post(node, "lobby", "ana", "{\"text\":\"second\"}").statusCode()).isEqualTo(202);
    assertThat(ana.next("event").at("/data/text").asText()).isEqualTo("second");

    WsJsonClient ben = join(node, "ben");
    ben.send("{\"type\":\"subscribe\",\"topics\":[\"room:lobby\"],\"from\":\"" + before + "\",\"ref\":\"s\"}");
    JsonNode h1 = ben.next();
    JsonNode h2 = ben.next();
    assertThat(List.of(h1.path("type").asText(), h2.path("type").asText())).containsExactly("event", "event");
    assertThat(h1.at("/data/text").asText()).isEqualTo("first");
    assertThat(h2.at("/data/from").asText()).isEqualTo("ana");
    assertThat(h2.at("/data/text").asText()).isEqualTo("second");
    assertThat(ben.next().path("type").asText()).isEqualTo("subscribed");
    JsonNode snapshot = ben.next();
    assertThat(snapshot.path("type").asText()).isEqualTo("presence");
    assertThat(snapshot.at("/data/members").findValuesAsText("name")).containsExactly("ana", "ben");
    assertThat(snapshot.at("/data/count").asInt()).isEqualTo(2);
  }

  @Test
  void refusesAnonymousUsersAndForeignTopics() throws Exception {
    LivePushServer node = node(null);
    HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + node.port() + "/api/rooms/lobby/messages")).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(post(node, "lobby", "ana", "{}").statusCode()).isEqualTo(400);
    WsJsonClient ana = join(node, "ana");
    ana.send("{\"type\":\"subscribe\",\"topics\":[\"user:ben\"],\"ref\":\"x\"}");
    assertThat(ana.next("error").path("code").asText()).isEqualTo("forbidden");
  }

  @Test
  void aMessagePostedOverHttpOnOneNodeReachesTheRoomOnTheOtherThroughRedis() throws Exception {
    redis = RedisServerProcess.start();
    LivePushServer a = node(RedisBus.builder().uri(redis.uri()).build());
    LivePushServer b = node(RedisBus.builder().uri(redis.uri()).build());
    WsJsonClient onB = join(b, "ben");
    onB.send("{\"type\":\"subscribe\",\"topics\":[\"room:ops\"],\"ref\":\"s\"}");
    onB.next("subscribed");

    // The HTTP service on node A publishes with the blocking publish(), which waits for Redis.
    HttpResponse<String> posted = post(a, "ops", "ana", "{\"text\":\"deploy done\"}");
    assertThat(posted.statusCode()).isEqualTo(202);
    String id = mapper.readTree(posted.body()).path("id").asText();
    JsonNode got = onB.next("event");
    assertThat(got.path("topic").asText()).isEqualTo("room:ops");
    assertThat(got.path("id").asText()).isEqualTo(id);
    assertThat(got.at("/data/from").asText()).isEqualTo("ana");
    assertThat(got.at("/data/text").asText()).isEqualTo("deploy done");

    // And the other way: a WebSocket message handled on node B reaches a subscriber of node A.
    // Subscribed after the first message's id, not "live": node A's head may still be behind that message (its
    // publish returned once Redis took it; A's own log gets it when A reads the stream), and a live subscription
    // starts at the node's head (docs/cluster.md), so it could receive "deploy done" first.
    WsJsonClient onA = join(a, "ana");
    onA.send("{\"type\":\"subscribe\",\"topics\":[\"room:ops\"],\"from\":\"" + id + "\",\"ref\":\"s\"}");
    onA.next("subscribed");
    onB.send("{\"type\":\"message\",\"topic\":\"room:ops\",\"data\":{\"text\":\"thanks\"},\"ref\":\"m\"}");
    String replied = onB.next("reply").at("/data/id").asText();
    JsonNode back = onA.next("event");
    assertThat(back.path("id").asText()).isEqualTo(replied);
    assertThat(back.at("/data/text").asText()).isEqualTo("thanks");
  }
}
