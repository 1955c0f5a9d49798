package io.livepush.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.AuthResult;
import io.livepush.ConnectionInfo;
import io.livepush.ConnectionListener;
import io.livepush.Event;
import io.livepush.HttpReply;
import io.livepush.LivePushServer;
import io.livepush.Principal;
import io.livepush.fixtures.RedisCluster;
import io.livepush.sse.SseTransport;
import io.livepush.sse.StreamResponse;
import io.livepush.websocket.WebSocketTransport;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code server.publish(..)} — which waits for the cluster bus — from inside every application callback that may
 * block, with a real Redis bus: an HTTP service, the authenticator, an SSE one-off stream's handler and its
 * accepted consumer, a connection listener, the topic authorizer and a WebSocket message handler. Each publish reaches a subscriber through Redis; none gets the event-loop refusal.
 */
class PublishFromCallbacksTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  @RegisterExtension final RedisCluster cluster = new RedisCluster();
  private LivePushServer server;

  @Test
  void publishWorksFromServicesStreamHandlersTheirConsumersAndWebSocketMessageHandlers() throws Exception {
    server = cluster.start(LivePushServer.builder().shutdownDrain(Duration.ZERO)
        .bus(RedisBus.builder().uri(cluster.redis().uri()).build())
        .authenticator(request -> {
          if (request.header("X-Audit") != null) {
            server.publish("audit", Event.text("authenticator"));
          }
          return AuthResult.allow(Principal.ANONYMOUS);
        })
        .topicAuthorizer((request, topic) -> {
          if (topic.equals("private")) {
            server.publish("audit", Event.text("authorizer"));
          }
          return true;
        })
        .connectionListener(new ConnectionListener() {
          @Override
          public void onOpen(ConnectionInfo connection) {
            if (connection.transport().equals("websocket")) {
              server.publish("audit", Event.text("listener"));
            }
          }
        })
        .httpService((request, body) -> request.path().equals("/svc")
            ? HttpReply.text(200, server.publish("audit", Event.text("service")).toString()) : null)
        .transport(SseTransport.builder().multiTopicPath("/events")
            .stream("POST", "/ask", request -> {
              server.publish("audit", Event.text("stream-handler"));
              return StreamResponse.accept(emitter -> {
                server.publish("audit", Event.text("stream-consumer"));
                emitter.send(Event.text("answer")).whenComplete((v, e) -> emitter.complete());
              });
            })
            .build())
        .transport(WebSocketTransport.builder()
            .messageHandler((connection, message) -> {
              server.publish("audit", Event.text("ws-message"));
              connection.ack(message.ref());
            })
            .build()));

    BlockingQueue<String> audit = new LinkedBlockingQueue<>();
    HttpResponse<java.io.InputStream> sub = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + "/events?topic=audit"))
        .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
    CompletableFuture<Void> subscribed = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(sub.body(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.startsWith("id:")) {
            subscribed.complete(null);
          }
          if (line.startsWith("data: ") && !line.startsWith("data: {")) {
            audit.add(line.substring(6));
          }
        }
      } catch (java.io.IOException closed) {
        // the test ended
      }
    }, "audit-reader");
    reader.setDaemon(true);
    reader.start();
    subscribed.get(10, TimeUnit.SECONDS);

    HttpResponse<String> service = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.port() + "/svc")).POST(HttpRequest.BodyPublishers.noBody())
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(service.statusCode()).isEqualTo(200);

    HttpResponse<String> stream = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.port() + "/ask")).POST(HttpRequest.BodyPublishers.ofString("q"))
        .header("X-Audit", "1").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.body()).contains("data: answer\n\n");

    BlockingQueue<String> ws = new LinkedBlockingQueue<>();
    WebSocket socket = http.newWebSocketBuilder().subprotocols("livepush.v1")
        .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws"), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            ws.add(data.toString());
            webSocket.request(1);
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    socket.sendText("{\"type\":\"subscribe\",\"topics\":[\"private\"]}", true).join();
    assertThat(ws.poll(10, TimeUnit.SECONDS)).contains("\"type\":\"subscribed\"");
    socket.sendText("{\"type\":\"message\",\"topic\":\"chat\",\"data\":1,\"ref\":\"m1\"}", true).join();
    assertThat(ws.poll(10, TimeUnit.SECONDS)).contains("\"type\":\"ack\"", "\"ref\":\"m1\"");
    socket.abort();

    List<String> got = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      String next = audit.poll(10, TimeUnit.SECONDS);
      assertThat(next).as("audit event %d of 7 (so far %s)", i + 1, got).isNotNull();
      got.add(next);
    }
    // The listener runs without anyone waiting for it: its place among the WebSocket ones is not fixed.
    assertThat(got.subList(0, 4)).containsExactly("service", "authenticator", "stream-handler", "stream-consumer");
    assertThat(got.subList(4, 7)).containsExactlyInAnyOrder("listener", "authorizer", "ws-message");
    assertThat(got.indexOf("authorizer")).isLessThan(got.indexOf("ws-message"));
    sub.body().close();
  }
}
