package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.ClientScripts;
import io.livepush.HttpService;
import io.livepush.LivePushServer;
import io.livepush.SlowConsumerPolicy;
import io.livepush.sse.SseTransport;
import io.livepush.testing.WebTransportCertificate;
import io.livepush.websocket.WebSocketTransport;
import io.livepush.webtransport.WebTransportTransport;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * WebTransport in a real browser (issue 16): headless Chromium connects with {@code serverCertificateHashes} to
 * a certificate this test generates (ECDSA P-256, 13 days), subscribes, receives, cuts the session, resumes on a
 * new session from its last id, then resumes on SSE from the position WebTransport left it at; then livepush.js
 * uses WebTransport when given its URL, and falls back to WebSocket from its position when nothing answers there
 * ({@code src/test/js/webtransport.mjs}); and with {@code datagrams: true} it receives a keep-latest topic as
 * datagrams without moving its resume position. Needs Node 20+ and Chromium, like {@link BrowserEndToEndTest};
 * {@code -Dlivepush.browserTests=skip} skips it.
 */
class WebTransportBrowserTest {
  private static final Duration NODE_TIMEOUT = Duration.ofSeconds(120);
  private static final String TOPIC = "wt-score";

  private final ObjectMapper mapper = new ObjectMapper();
  private final BrowserHarness harness = new BrowserHarness();

  @AfterEach
  void stop() throws Exception {
    harness.close();
  }

  @Test
  void subscribeReceiveCutResumeThenResumeOnSseAndLivepushJsPrefersWebTransport() throws Exception {
    BrowserHarness.assumeBrowserTests();
    WebTransportCertificate cert = WebTransportCertificate.generate();
    LivePushServer[] self = new LivePushServer[1];
    LivePushServer server = harness.closeLater(LivePushServer.builder()
        .host("127.0.0.1")
        .port(0)
        .shutdownDrain(Duration.ZERO)
        .slowConsumerPolicy(t -> t.endsWith(".dg") ? SlowConsumerPolicy.KEEP_LATEST : SlowConsumerPolicy.DISCONNECT)
        .transport(SseTransport.builder().multiTopicPath("/sse").build())
        .transport(WebSocketTransport.builder().path("/ws").build())
        .httpService(ClientScripts.service())
        .transport(WebTransportTransport.builder().path("/wt").certificate(cert.key(), cert.certificate()).build())
        .httpService(BrowserHarness.page("/", "WebTransport"))
        .httpService(control(self))
        .build());
    self[0] = server;
    server.start().join();
    String page = "http://127.0.0.1:" + server.port();
    String wt = "https://127.0.0.1:" + server.port() + "/wt";
    String deadWt;
    try (DatagramSocket nobody = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      deadWt = "https://127.0.0.1:" + nobody.getLocalPort() + "/wt"; // closed below: nothing listens there
    }

    JsonNode out = NodeScript.run(mapper, NODE_TIMEOUT, List.of(), "webtransport.mjs", page, wt,
        cert.sha256Base64(), TOPIC, deadWt);

    assertThat(out.path("error").isMissingNode()).as("script error: %s", out.path("error")).isTrue();
    JsonNode seen = out.get("seen");
    assertThat(seen.get("subscribed").get("type").asText()).isEqualTo("subscribed");
    assertThat(seen.get("subscribed").get("ref").asText()).isEqualTo("a");
    assertThat(texts(seen.get("first"))).isEqualTo(texts(seen.get("published")));
    // The events published while the session was cut come by replay on the new session, then the marker.
    assertThat(texts(seen.get("resumed"))).isEqualTo(texts(seen.get("missed")));
    assertThat(seen.get("resumedMarker").get("type").asText()).isEqualTo("subscribed");
    assertThat(seen.get("resumedMarker").get("id").asText()).isEqualTo(seen.get("missed").get(1).asText());
    // SSE resumes from the WebTransport position: exactly what was published after it.
    assertThat(texts(seen.get("sse"))).isEqualTo(texts(seen.get("afterWebTransport")));

    // livepush.js given webTransportUrl uses WebTransport, and gets the events published once it was live.
    JsonNode client = out.get("client");
    assertThat(client.get("transport").asText()).isEqualTo("webtransport");
    assertThat(texts(client.get("events"))).isEqualTo(texts(client.get("published")));
    assertThat(transitions(client)).doesNotContain("fallback");

    // With nothing listening at its webTransportUrl it falls back to WebSocket, from the id it subscribed from.
    JsonNode fallback = out.get("fallback");
    assertThat(fallback.get("transport").asText()).isEqualTo("websocket");
    assertThat(transitions(fallback)).contains("fallback:webtransport->websocket");
    List<String> expected = new ArrayList<>(texts(fallback.get("before")).subList(1, 3));
    expected.addAll(texts(fallback.get("published")));
    assertThat(texts(fallback.get("events"))).isEqualTo(expected);

    // With datagrams: the reliable topic on the stream in order, the keep-latest one as a datagram, and the
    // position (what a resume starts from) stays at the last stream event though the datagram's id is later.
    JsonNode dg = out.get("datagrams");
    assertThat(dg.get("transport").asText()).isEqualTo("webtransport");
    List<String> relIds = new ArrayList<>();
    dg.get("rel").forEach(e -> {
      assertThat(e.get("datagram").asBoolean()).isFalse();
      relIds.add(e.get("id").asText());
    });
    assertThat(relIds).isEqualTo(texts(dg.get("relPublished")));
    String viaDatagram = dg.get("datagram").get(0).asText();
    assertThat(texts(dg.get("dgPublished"))).contains(viaDatagram);
    assertThat(EventId.parse(viaDatagram)).isGreaterThan(EventId.parse(relIds.get(1)));
    assertThat(dg.get("position").asText()).isEqualTo(relIds.get(1));
  }

  private static List<String> transitions(JsonNode seen) {
    List<String> out = new ArrayList<>();
    seen.get("states").forEach(s -> out.add(s.get("state").asText().equals("fallback")
        ? "fallback:" + s.get("from").asText() + "->" + s.get("transport").asText() : s.get("state").asText()));
    return out;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** {@code POST /test/publish?topic=..&count=n}: publishes n events, answers their ids. */
  private HttpService control(LivePushServer[] self) {
    return (request, body) -> {
      if (!request.method().equals("POST") || !request.path().equals("/test/publish")) {
        return null;
      }
      String topic = request.queryParameters().get("topic").get(0);
      int count = Integer.parseInt(request.queryParameters().get("count").get(0));
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        EventId id = self[0].publish(topic, Event.json(Map.of("n", i)));
        ids.add(id.toString());
      }
      return BrowserHarness.json(mapper, Map.of("ids", ids));
    };
  }
}
