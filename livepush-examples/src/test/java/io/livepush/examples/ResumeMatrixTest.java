package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.launchdarkly.eventsource.ErrorStrategy;
import com.launchdarkly.eventsource.EventSource;
import com.launchdarkly.eventsource.MessageEvent;
import io.livepush.ClientScripts;
import io.livepush.ConnectionInfo;
import io.livepush.ConnectionListener;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.LivePushServer;
import io.livepush.sse.SseTransport;
import io.livepush.testing.CuttableProxy;
import io.livepush.testing.DeliveryChecker;
import io.livepush.websocket.WebSocketTransport;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The resume matrix of issue 12: every client kind, written by someone else where one exists, resumes through a
 * cut connection ({@link CuttableProxy}) without loss, repeat or reorder.
 *
 * <ul>
 *   <li>SSE, a quiet topic cut before its first event: Chromium's native EventSource, undici's (Node's
 *       {@code --experimental-eventsource}), the npm {@code eventsource} package 4.x (those three in
 *       {@code src/test/js/resume-matrix.mjs}), okhttp-eventsource and {@link WhatwgEventSource} (a parser that
 *       follows WHATWG HTML §9.2.6 step by step) here: each must record the position block and resume from it.
 *   <li>{@code livepush-sse.js}: a page reloaded before its stream's first event resumes from the stored position.
 *   <li>{@code livepush.js} over Node's {@code ws} and in Chromium: two topics, four cuts while both are published:
 *       every event once ({@link DeliveryChecker}) and in offset order across the topics.
 *   <li>{@code LivePushClient.position} hands a WebSocket connection over to an SSE stream.
 * </ul>
 * Needs Node 20+ and Chromium like {@link BrowserEndToEndTest}; {@code -Dlivepush.browserTests=skip} skips the Node
 * part.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResumeMatrixTest {
  private static final Duration NODE_TIMEOUT = Duration.ofSeconds(150);
  private final ObjectMapper mapper = new ObjectMapper();
  private LivePushServer server;
  private CuttableProxy proxy;
  /** Per topic, the next sequence number to publish. */
  private final Map<String, Integer> sequences = new HashMap<>();
  /** Every stream opened: its topics and the resume position it asked for (header or query), if any. */
  private final List<Map<String, String>> opened = new CopyOnWriteArrayList<>();
  /** The Node script's output, or why it failed; run once, by the first test that needs it. */
  private JsonNode results;
  private AssertionError failure;

  @BeforeAll
  void start() throws Exception {
    server = LivePushServer.builder().host("127.0.0.1").port(0)
        .retry(Duration.ofMillis(200)) // SSE reconnect hint: keeps each reconnect short
        .transport(SseTransport.builder().multiTopicPath("/sse").build())
        .transport(WebSocketTransport.builder().build())
        .httpService(ClientScripts.service())
        .httpService(BrowserHarness.page("/matrix.html", "resume matrix"))
        .httpService(control())
        // Non-blocking: onOpen runs on the loop before the stream's first byte, so a stream is recorded before its
        // client can see anything (a blocking listener runs later, on another thread, and raced the assertions).
        .connectionListener(ConnectionListener.nonBlocking(new ConnectionListener() {
          @Override
          public void onOpen(ConnectionInfo c) {
            String from = c.request().header("Last-Event-ID");
            List<String> q = c.request().queryParameters().getOrDefault("lastEventId", List.of());
            Map<String, String> m = new HashMap<>();
            m.put("transport", c.transport());
            m.put("topic", String.join(",", c.request().queryParameters().getOrDefault("topic", List.of())));
            m.put("from", from != null ? from : q.isEmpty() ? "" : q.get(0));
            opened.add(m);
          }
        }))
        .build();
    server.start().join();
    proxy = new CuttableProxy(server.port());
  }

  @AfterAll
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private String base() {
    return "http://127.0.0.1:" + proxy.port();
  }

  /** Publishes {@code count} events round-robin over {@code topics}; data {@code "<topic>#<seq>"}. */
  private List<Map<String, Object>> publish(List<String> topics, int count) {
    synchronized (sequences) { // called on an event loop (control) and by tests; never held while waiting
      return publishLocked(topics, count);
    }
  }

  private List<Map<String, Object>> publishLocked(List<String> topics, int count) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String topic = topics.get(i % topics.size());
      int seq = sequences.merge(topic, 1, Integer::sum);
      String data = topic + "#" + seq;
      EventId id = server.publish(topic, Event.text(data));
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("topic", topic);
      m.put("seq", seq);
      m.put("id", id.toString());
      m.put("data", data);
      out.add(m);
    }
    return out;
  }

  /** Test-only endpoints the Node script calls on the server directly, never through the proxy. */
  private HttpService control() {
    return (request, body) -> {
      if (!request.method().equals("POST") || !request.path().startsWith("/test/")) {
        return null;
      }
      List<String> topics = List.of(request.queryParameters().get("topics").get(0).split(","));
      int count = Integer.parseInt(request.queryParameters().get("count").get(0));
      Object reply = switch (request.path()) {
        case "/test/publish" -> publish(topics, count);
        case "/test/cut" -> {
          int cut = proxy.cutAll();
          // Published right after the cut, before the client can be back: it must come by replay.
          yield Map.of("cut", cut, "published", publish(topics, count));
        }
        default -> null;
      };
      return reply == null ? HttpReply.text(404, "no such test endpoint") : BrowserHarness.json(mapper, reply);
    };
  }

  private JsonNode scenario(String name) throws Exception {
    BrowserHarness.assumeBrowserTests();
    // JUnit runs the tests of this class one at a time, so no lock: the control service (on an event loop) must
    // never wait for this thread while it waits for the script.
    if (results == null && failure == null) {
      try {
        results = NodeScript.run(mapper, NODE_TIMEOUT, List.of("--experimental-eventsource", "--no-warnings"),
            "resume-matrix.mjs", base(), "http://127.0.0.1:" + server.port());
      } catch (AssertionError e) {
        failure = e;
      }
    }
    if (failure != null) {
      throw failure;
    }
    return BrowserHarness.scenario(results, name);
  }

  /** The streams opened for {@code topic}, in order: what each asked to resume from ("" for nothing). */
  private List<String> resumesOf(String topic) {
    return opened.stream().filter(m -> m.get("topic").equals(topic)).map(m -> m.get("from")).toList();
  }

  // ---- SSE: the position reaches every EventSource implementation ------------------------------------------

  /**
   * Judges one Node or browser reproduction: the client saw the position (as a named event, never through
   * onmessage), reconnected with it, and received the event published while it was cut, without a reset.
   */
  private void assertResumedFromThePosition(JsonNode s) {
    String position = s.get("positions").get(0).asText();
    assertThat(EventId.parse(position).epoch()).isEqualTo(server.epoch());
    JsonNode published = s.at("/cut/published/0");
    assertThat(s.get("messages")).hasSize(1);
    assertThat(s.at("/messages/0/data").asText()).isEqualTo(published.get("data").asText());
    assertThat(s.at("/messages/0/id").asText()).isEqualTo(published.get("id").asText());
    assertThat(s.get("resets")).isEmpty();
    assertThat(resumesOf(s.get("topic").asText())).as("Last-Event-ID of each stream").startsWith("", position);
  }

  @Test
  void chromiumNativeEventSourceResumesAStreamCutBeforeItsFirstEvent() throws Exception {
    assertResumedFromThePosition(scenario("chromium"));
  }

  @Test
  void undiciEventSourceResumesAStreamCutBeforeItsFirstEvent() throws Exception {
    assertResumedFromThePosition(scenario("undici"));
  }

  @Test
  void npmEventSourceResumesAStreamCutBeforeItsFirstEvent() throws Exception {
    assertResumedFromThePosition(scenario("eventsource"));
  }

  @Test
  void okhttpEventSourceResumesAStreamCutBeforeItsFirstEvent() throws Exception {
    String topic = "quiet.okhttp";
    URI uri = URI.create(base() + "/sse?topic=" + topic);
    // alwaysContinue: a stream the server (here the cut) ends is reconnected, like an EventSource does.
    try (EventSource es = new EventSource.Builder(uri).retryDelay(20, TimeUnit.MILLISECONDS)
        .errorStrategy(ErrorStrategy.alwaysContinue()).build()) {
      es.start();
      // okhttp-eventsource reads on demand: the first message is the position, which it records.
      MessageEvent position = es.readMessage();
      assertThat(position.getEventName()).isEqualTo(Event.POSITION_TYPE);
      proxy.cutAll();
      Map<String, Object> published = publish(List.of(topic), 1).get(0);
      MessageEvent m = es.readMessage();
      assertThat(m.getEventName()).isEqualTo("message");
      assertThat(m.getData()).isEqualTo(published.get("data"));
      assertThat(m.getLastEventId()).isEqualTo(published.get("id"));
      assertThat(resumesOf(topic)).startsWith("", position.getLastEventId());
    }
  }

  @Test
  void whatwgParserResumesAStreamCutBeforeItsFirstEvent() throws Exception {
    String topic = "quiet.whatwg";
    try (WhatwgEventSource es = new WhatwgEventSource(URI.create(base() + "/sse?topic=" + topic))) {
      WhatwgEventSource.Dispatched position = es.next();
      assertThat(position.type()).isEqualTo(Event.POSITION_TYPE);
      assertThat(position.data()).isEqualTo("{\"id\":\"" + position.lastEventId() + "\"}");
      proxy.cutAll();
      Map<String, Object> published = publish(List.of(topic), 1).get(0);
      WhatwgEventSource.Dispatched m = es.next();
      assertThat(m.type()).isEqualTo("message");
      assertThat(m.data()).isEqualTo(published.get("data"));
      assertThat(m.lastEventId()).isEqualTo(published.get("id"));
      assertThat(es.connections()).isGreaterThanOrEqualTo(2);
      assertThat(resumesOf(topic)).startsWith("", position.lastEventId());
    }
  }

  @Test
  void livepushSseReloadedBeforeTheFirstEventResumesFromTheStoredPosition() throws Exception {
    JsonNode s = scenario("sseReload");
    JsonNode published = s.at("/cut/published/0");
    assertThat(s.get("events")).hasSize(1);
    assertThat(s.at("/events/0/data").asText()).isEqualTo(published.get("data").asText());
    assertThat(s.get("resets")).isEmpty();
    // The reloaded page passed the stored position as ?lastEventId=.
    assertThat(resumesOf(s.get("topic").asText())).containsSubsequence("", s.get("stored").asText());
  }

  // ---- WebSocket: livepush.js keeps one order across topics through cuts -----------------------------------

  private void assertOneOrder(String client, JsonNode s) {
    DeliveryChecker checker = new DeliveryChecker();
    for (JsonNode p : s.get("published")) {
      checker.published(p.get("topic").asText(), p.get("seq").asLong());
    }
    for (JsonNode t : s.get("topics")) {
      checker.follow(client, t.asText(), 0);
    }
    List<Long> offsets = new ArrayList<>();
    for (JsonNode e : s.get("received")) {
      String[] data = e.get("data").asText().split("#");
      checker.received(client, e.get("topic").asText(), Long.parseLong(data[1]));
      offsets.add(EventId.parse(e.get("id").asText()).offset());
    }
    DeliveryChecker.Report report = checker.check();
    assertThat(report.clean()).as("%s", report).isTrue();
    assertThat(s.get("resets")).isEmpty();
    // One order per connection across topics, kept through every resume: offsets strictly increase.
    assertThat(offsets).isSorted().doesNotHaveDuplicates().hasSize(s.get("published").size());
    assertThat(s.get("position").asText()).isEqualTo(s.at("/received/" + (offsets.size() - 1) + "/id").asText());
  }

  @Test
  void livepushJsOverNodeWsKeepsOneOrderThroughCuts() throws Exception {
    assertOneOrder("node-ws", scenario("wsOrderNode"));
  }

  @Test
  void livepushJsInChromiumKeepsOneOrderThroughCuts() throws Exception {
    assertOneOrder("chromium-ws", scenario("wsOrderChromium"));
  }

  @Test
  void clientPositionHandsAWebSocketConnectionOverToSse() throws Exception {
    JsonNode s = scenario("handover");
    List<String> missed = new ArrayList<>();
    s.get("missed").forEach(p -> missed.add(p.get("data").asText()));
    List<String> got = new ArrayList<>();
    s.get("got").forEach(p -> got.add(p.get("data").asText()));
    assertThat(got).containsExactlyElementsOf(missed);
    assertThat(s.get("position").asText()).isEqualTo(s.at("/before/3/id").asText());
  }
}
