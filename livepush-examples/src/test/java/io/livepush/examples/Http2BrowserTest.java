package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.CloseReason;
import io.livepush.ConnectionInfo;
import io.livepush.ConnectionListener;
import io.livepush.Event;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.LivePushServer;
import io.livepush.fixtures.TestCertificate;
import io.livepush.sse.SseTransport;
import io.livepush.websocket.WebSocketTransport;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Headless Chromium over TLS with ALPN {@code h2} (issue 15): one page opens twelve EventSources to one origin and
 * a livepush.v1 WebSocket, all thirteen are live at the same time, and they share one TCP connection. Over
 * HTTP/1.1 the browser holds at most six connections per origin, so the seventh stream would never open; the
 * WebSocket shares the connection through RFC 8441 (extended CONNECT), which Chromium uses when the server
 * advertises it. The server counts for itself when the page
 * asks it to publish: how many SSE streams are open, and from how many client addresses (one TCP connection is
 * one address and port). The certificate is generated here; Chromium trusts it by its key's SHA-256
 * ({@code --ignore-certificate-errors-spki-list}). Runs {@code src/test/js/h2-streams.mjs}; needs Node 20+ and
 * Chromium like {@link BrowserEndToEndTest} ({@code -Dlivepush.browserTests=skip} skips).
 */
class Http2BrowserTest {
  private static final int STREAMS = 12;
  private static final String PAGE = "<!doctype html><meta charset=utf-8><title>h2 streams</title>";
  private final ObjectMapper mapper = new ObjectMapper();
  @RegisterExtension final TestCertificate cert = new TestCertificate();
  private LivePushServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void twelveEventSourcesAndAWebSocketAreLiveAtOnceOnOneH2Connection() throws Exception {
    BrowserHarness.assumeBrowserTests();
    String spki = cert.spkiSha256();
    // the open sessions, by id, with the client address each came from; the WebSocket ones also by id
    Map<Long, SocketAddress> open = new ConcurrentHashMap<>();
    Set<Long> websockets = ConcurrentHashMap.newKeySet();
    LivePushServer[] self = new LivePushServer[1];
    server = cert.serve(LivePushServer.builder()).host("127.0.0.1").port(0)
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build())
        .transport(WebSocketTransport.builder().build())
        .connectionListener(ConnectionListener.nonBlocking(new ConnectionListener() { // before the first byte
          @Override
          public void onOpen(ConnectionInfo connection) {
            open.put(connection.id(), connection.request().remoteAddress());
            if (connection.transport().equals("websocket")) {
              websockets.add(connection.id());
            }
          }

          @Override
          public void onClose(ConnectionInfo connection, CloseReason reason) {
            open.remove(connection.id());
            websockets.remove(connection.id());
          }
        }))
        .httpService(HttpService.nonBlocking((req, body) -> {
          if (req.path().equals("/")) {
            return HttpReply.of(200, "text/html; charset=utf-8", PAGE.getBytes(StandardCharsets.UTF_8));
          }
          if (req.path().equals("/publish") && req.method().equals("POST")) {
            int live = open.size();
            int connections = Set.copyOf(open.values()).size();
            for (int i = 0; i < STREAMS; i++) {
              self[0].publishAsync("m:" + i, Event.text("live " + i));
            }
            self[0].publishAsync("m:ws", Event.text("live ws"));
            return HttpReply.json(200, "{\"live\":" + live + ",\"websockets\":" + websockets.size()
                + ",\"connections\":" + connections + "}");
          }
          return null;
        }))
        .build();
    self[0] = server;
    server.start().join();

    JsonNode result = NodeScript.run(mapper, Duration.ofSeconds(90), List.of(), "h2-streams.mjs",
        "https://localhost:" + server.port() + "/", String.valueOf(STREAMS), spki);

    assertThat(result.path("error").isMissingNode()).as("script error: %s", result).isTrue();
    assertThat(result.path("failure").isNull()).as("page: %s", result).isTrue();
    assertThat(result.path("page").asText()).isEqualTo("h2");
    assertThat(result.path("opened").asInt()).isEqualTo(STREAMS);
    assertThat(result.path("ws").path("protocol").asText()).isEqualTo("livepush.v1");
    // the server's view when every stream was live: twelve EventSources and the WebSocket open at once, on one
    // TCP connection (the WebSocket as an RFC 8441 stream of it)
    assertThat(result.path("server").path("live").asInt()).as("%s", result).isEqualTo(STREAMS + 1);
    assertThat(result.path("server").path("websockets").asInt()).as("%s", result).isEqualTo(1);
    assertThat(result.path("server").path("connections").asInt()).as("%s", result).isEqualTo(1);
    assertThat(result.path("ws").path("received").asText()).isEqualTo("live ws");
    List<String> received = new ArrayList<>();
    result.path("received").forEach(n -> received.add(n.asText()));
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < STREAMS; i++) {
      expected.add("live " + i);
    }
    assertThat(received).containsExactlyElementsOf(expected);
  }
}
