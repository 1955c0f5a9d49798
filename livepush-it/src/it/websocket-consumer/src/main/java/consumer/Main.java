package consumer;

import consumer.check.OneNetty;
import io.livepush.LivePushServer;
import io.livepush.websocket.WebSocketTransport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** livepush-websocket alone: java.net.http's WebSocket subscribes with livepush.v1 and gets "subscribed". */
public final class Main {
  public static void main(String[] args) throws Exception {
    OneNetty.require(args[0]);
    LivePushServer server = LivePushServer.builder().host("127.0.0.1").port(0)
        .transport(WebSocketTransport.builder().build())
        .build();
    try (server) {
      server.start().join();
      CompletableFuture<String> first = new CompletableFuture<>();
      StringBuilder text = new StringBuilder();
      WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
          .subprotocols(WebSocketTransport.SUBPROTOCOL)
          .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + WebSocketTransport.DEFAULT_PATH),
              new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                  text.append(data);
                  if (last) {
                    first.complete(text.toString());
                  }
                  socket.request(1);
                  return null;
                }
              })
          .get(30, TimeUnit.SECONDS);
      ws.sendText("{\"type\":\"subscribe\",\"topics\":[\"a\"],\"ref\":\"r1\"}", true).get(30, TimeUnit.SECONDS);
      String reply = first.get(30, TimeUnit.SECONDS);
      if (!reply.contains("\"type\":\"subscribed\"") || !reply.contains("\"ref\":\"r1\"")) {
        throw new AssertionError("expected subscribed, got " + reply);
      }
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(30, TimeUnit.SECONDS);
      System.out.println("websocket consumer: " + reply);
    }
  }
}
