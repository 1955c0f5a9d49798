package io.livepush.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.AuthResult;
import io.livepush.Authenticator;
import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.Principal;
import io.livepush.TopicAuthorizer;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * WebSocket callbacks on the blocking executor: a connection's messages stay in order behind a blocked handler
 * or authorizer, the principal reaches the connection, presence snapshots follow a subscribe.
 */
class WsCallbacksTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private LivePushServer server;
  private final List<JwsClient> clients = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (JwsClient c : clients) {
      c.closeBlocking();
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(LivePushServer.Builder b, WebSocketTransport ws) {
    server = b.host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO).transport(ws).build();
    server.start().join();
  }

  private JwsClient connect(String user) throws InterruptedException {
    JwsClient c = new JwsClient(server.port(), "/ws", true, user == null ? Map.of() : Map.of("X-User", user));
    if (!c.connectBlocking(10, TimeUnit.SECONDS)) {
      throw new AssertionError("could not connect");
    }
    clients.add(c);
    return c;
  }

  private static AuthResult byHeader(io.livepush.RequestInfo request) {
    String user = request.header("X-User");
    return user == null ? AuthResult.unauthorized("who are you?") : AuthResult.allow(Principal.of(user));
  }

  private static JsonNode next(JwsClient c) throws Exception {
    return JSON.readTree(c.next());
  }

  @Test
  void aBlockedHandlerHoldsTheConnectionsLaterMessagesInOrderAndSeesThePrincipal() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    BlockingQueue<Thread> threads = new LinkedBlockingQueue<>();
    start(LivePushServer.builder().authenticator(WsCallbacksTest::byHeader),
        WebSocketTransport.builder().messageHandler((conn, msg) -> {
          threads.add(Thread.currentThread());
          if (msg.data().path("wait").asBoolean()) {
            entered.countDown();
            try {
              release.await(10, TimeUnit.SECONDS); // a database call
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          // The blocking publish: fine here, off the event loop.
          conn.publish("room:1", Event.text(conn.principal().name() + ":" + msg.data().path("n").asInt()));
          conn.reply(msg.ref(), conn.principal().name());
        }).build());
    JwsClient c = connect("dana");
    c.send("{\"type\":\"message\",\"ref\":\"m1\",\"data\":{\"n\":1,\"wait\":true}}");
    c.send("{\"type\":\"subscribe\",\"ref\":\"s\",\"topics\":[\"room:1\"]}");
    c.send("{\"type\":\"message\",\"ref\":\"m2\",\"data\":{\"n\":2}}");
    // Released only once the handler is blocked: otherwise a fast release let m1 pass without ever blocking.
    assertThat(entered.await(10, TimeUnit.SECONDS)).as("the handler blocked on m1").isTrue();
    release.countDown();
    JsonNode first = next(c);
    assertThat(first.path("type").asText()).isEqualTo("reply");
    assertThat(first.path("ref").asText()).isEqualTo("m1");
    assertThat(first.path("data").asText()).isEqualTo("dana");
    assertThat(next(c).path("ref").asText()).isEqualTo("s"); // subscribed, after m1 although m1 blocked
    JsonNode event = next(c);
    assertThat(event.path("type").asText()).isEqualTo("event");
    assertThat(event.path("data").asText()).isEqualTo("dana:2");
    assertThat(next(c).path("ref").asText()).isEqualTo("m2");
    assertThat(threads).hasSize(2).allSatisfy(t -> assertThat(t).isNotInstanceOf(FastThreadLocalThread.class));
  }

  @Test
  void aBlockingAuthorizerAnswersBeforeTheNextMessageIsHandled() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    start(LivePushServer.builder()
            .authenticator(Authenticator.nonBlocking(WsCallbacksTest::byHeader))
            .topicAuthorizer(TopicAuthorizer.byPrincipal((p, topic) -> {
              if (topic.equals("slow")) {
                entered.countDown();
                try {
                  release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              return !topic.equals("secret");
            })),
        WebSocketTransport.builder().build());
    JwsClient c = connect("erin");
    c.send("{\"type\":\"subscribe\",\"ref\":\"a\",\"topics\":[\"slow\"]}");
    c.send("{\"type\":\"subscribe\",\"ref\":\"b\",\"topics\":[\"secret\"]}");
    c.send("{\"type\":\"subscribe\",\"ref\":\"c\",\"topics\":[\"open\"]}");
    assertThat(entered.await(10, TimeUnit.SECONDS)).as("the authorizer blocked on 'slow'").isTrue();
    release.countDown();
    JsonNode a = next(c);
    assertThat(a.path("type").asText()).isEqualTo("subscribed");
    assertThat(a.path("ref").asText()).isEqualTo("a");
    JsonNode b = next(c);
    assertThat(b.path("type").asText()).isEqualTo("error");
    assertThat(b.path("code").asText()).isEqualTo("forbidden");
    assertThat(b.path("ref").asText()).isEqualTo("b");
    assertThat(next(c).path("ref").asText()).isEqualTo("c");
  }

  @Test
  void aSubscriberOfAPresenceTopicGetsTheMemberSnapshotAfterItsMarker() throws Exception {
    start(LivePushServer.builder()
            .authenticator(Authenticator.nonBlocking(WsCallbacksTest::byHeader))
            .presence(t -> t.startsWith("room:"))
            .presenceSnapshot(true),
        WebSocketTransport.builder().build());
    JwsClient alice = connect("alice");
    alice.send("{\"type\":\"subscribe\",\"ref\":\"a\",\"topics\":[\"room:7\"]}");
    assertThat(next(alice).path("type").asText()).isEqualTo("subscribed");
    JsonNode own = next(alice);
    assertThat(own.path("type").asText()).isEqualTo("presence");
    assertThat(own.path("data").path("count").asInt()).isEqualTo(1);
    JwsClient bob = connect("bob");
    bob.send("{\"type\":\"subscribe\",\"ref\":\"b\",\"topics\":[\"room:7\"]}");
    JsonNode marker = next(bob);
    assertThat(marker.path("type").asText()).isEqualTo("subscribed");
    JsonNode snapshot = next(bob);
    assertThat(snapshot.path("type").asText()).isEqualTo("presence");
    assertThat(snapshot.path("topic").asText()).isEqualTo("room:7");
    assertThat(snapshot.has("id")).isFalse();
    assertThat(snapshot.path("data").path("members").findValuesAsText("name")).containsExactly("alice", "bob");
    assertThat(snapshot.path("data").path("count").asInt()).isEqualTo(2);
  }
}
