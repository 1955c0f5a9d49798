package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.Event;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.LivePushServer;
import io.livepush.testing.CuttableProxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The example in a real browser: starts the example's own wiring ({@link ScoreboardApp#server},
 * {@link ScoreboardApp#pages}) on port 0 behind a {@link CuttableProxy}, with a {@link ScoreFeed} instead of the
 * random simulator, and runs {@code src/test/js/e2e.mjs} (headless Chromium through playwright-core) once. The
 * script drives the scenarios through the test-only {@code /test/*} endpoints below and prints what the pages
 * saw; each test here judges one scenario against what was actually published.
 *
 * <p>Needs Node 20+ and Chromium ({@code /usr/bin/chromium}, or {@code CHROMIUM_PATH}); runs {@code npm ci} in
 * {@code livepush-examples/src/test/js} if {@code node_modules} is missing. {@code -Dlivepush.browserTests=skip}
 * skips these tests on a machine without a browser.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserEndToEndTest {
  private static final Duration NODE_TIMEOUT = Duration.ofSeconds(150);

  private final ObjectMapper mapper = new ObjectMapper();
  private final BrowserHarness harness = new BrowserHarness();
  private LivePushServer server;
  private ScoreFeed feed;
  private JsonNode results;

  @BeforeAll
  void runBrowser() throws Exception {
    BrowserHarness.assumeBrowserTests();
    ScoreFeed[] feedHolder = new ScoreFeed[1];
    CuttableProxy[] proxyHolder = new CuttableProxy[1];
    LivePushServer[] self = new LivePushServer[1];
    server = harness.closeLater(harness.scoreboard()
        .retry(Duration.ofMillis(300)) // SSE retry: keeps the reconnect scenario short
        .presenceGrace(Duration.ofMillis(200)) // keeps a leave of a named member short too
        .objectMapper(mapper)
        .httpService(ScoreboardApp.pages(() -> feedHolder[0].matches(),
            topic -> self[0].presence().count(topic), mapper))
        .httpService(control(feedHolder, proxyHolder))
        .build());
    self[0] = server;
    Path artifacts = NodeScript.artifacts();
    server.start().join();
    feed = new ScoreFeed(server);
    feedHolder[0] = feed;
    CuttableProxy proxy = harness.closeLater(new CuttableProxy(server.port()));
    proxyHolder[0] = proxy;

    String page = "http://127.0.0.1:" + proxy.port();
    String control = "http://127.0.0.1:" + server.port();
    results = NodeScript.run(mapper, NODE_TIMEOUT, List.of(), "e2e.mjs", page, control, artifacts.toString());
  }

  @AfterAll
  void stop() throws Exception {
    harness.close();
  }

  /** Test-only endpoints the script calls on the server directly (not through the proxy). */
  private HttpService control(ScoreFeed[] feed, CuttableProxy[] proxy) {
    return (request, body) -> {
      if (!request.method().equals("POST") || !request.path().startsWith("/test/")) {
        return null;
      }
      Map<String, List<String>> q = request.queryParameters();
      Object reply = switch (request.path()) {
        case "/test/publish" -> feed[0].publish(intParam(q, "count"));
        case "/test/cut" -> {
          int cut = proxy[0].cutAll();
          // Published right after the cut, before any client can be back: these must come by replay.
          yield Map.of("cut", cut, "published", feed[0].publish(intParam(q, "publish")));
        }
        case "/test/cut-chat" -> {
          int cut = proxy[0].cutAll();
          List<String> texts = new ArrayList<>();
          for (int i = 1; i <= intParam(q, "count"); i++) {
            String text = "update " + i + " while you were away";
            server.publish(ChatRoom.TOPIC, Event.json(Map.of("from", "server", "text", text)).withType("message"));
            texts.add(text);
          }
          yield Map.of("cut", cut, "published", texts);
        }
        default -> null;
      };
      return reply == null ? HttpReply.text(404, "no such test endpoint") : BrowserHarness.json(mapper, reply);
    };
  }

  private static int intParam(Map<String, List<String>> q, String name) {
    return Integer.parseInt(q.getOrDefault(name, List.of("0")).get(0));
  }

  private JsonNode scenario(String name) {
    return BrowserHarness.scenario(results, name);
  }


  private List<ScoreFeed.Published> list(JsonNode array) {
    List<ScoreFeed.Published> out = new ArrayList<>();
    array.forEach(n -> out.add(mapper.convertValue(n, ScoreFeed.Published.class)));
    return out;
  }

  @Test
  void scoreboardShowsEveryPublishedScoreInOrder() {
    JsonNode s = scenario("scoreboard");
    List<ScoreFeed.Published> published = list(s.get("published"));
    assertThat(published).hasSize(24);
    assertThat(list(s.get("received"))).containsExactlyElementsOf(published);
    assertThat(s.get("state").asText()).isEqualTo("open");
    // The DOM shows each match's last published score.
    for (JsonNode card : s.get("dom")) {
      String match = card.get("id").asText().substring("match-".length());
      ScoreFeed.Published last = published.stream().filter(p -> p.match().equals(match))
          .reduce((a, b) -> b).orElseThrow();
      assertThat(card.get("score").asText()).isEqualTo(last.homeGoals() + " \u2013 " + last.awayGoals());
      assertThat(card.get("minute").asText()).isEqualTo(last.minute() + "'");
    }
  }

  @Test
  void droppedConnectionsResumeWithoutLossOrRepeats() {
    JsonNode s = scenario("scoreboard");
    JsonNode d = scenario("drop");
    assertThat(d.get("cut").asInt()).as("connections cut").isGreaterThanOrEqualTo(1);
    List<ScoreFeed.Published> expected = new ArrayList<>(list(s.get("published")));
    expected.addAll(list(d.get("publishedWhileCut")));
    expected.addAll(list(d.get("publishedAfter")));
    assertThat(list(d.get("received"))).containsExactlyElementsOf(expected);
    List<String> states = new ArrayList<>();
    d.get("states").forEach(n -> states.add(n.asText()));
    assertThat(states).containsSubsequence("open", "reconnecting", "open");
  }

  @Test
  void reloadedPageResumesFromTheStoredLastEventId() {
    JsonNode r = scenario("reload");
    List<ScoreFeed.Published> expected = new ArrayList<>(list(r.get("whileAway")));
    expected.addAll(list(r.get("live")));
    assertThat(list(r.get("received"))).containsExactlyElementsOf(expected);
  }

  @Test
  void streamedAnswerArrivesPieceByPiece() {
    JsonNode a = scenario("ask");
    String expected = AskHandler.answer("How does livepush stream?");
    assertThat(a.get("final").asText()).isEqualTo(expected);
    assertThat(a.get("state").asText()).isEqualTo("done");
    // Seen mid-stream: a non-empty strict prefix while the cursor was still blinking.
    String midway = a.get("midway").get("text").asText();
    assertThat(midway).isNotEmpty().isNotEqualTo(expected);
    assertThat(expected).startsWith(midway);
    assertThat(a.get("midway").get("streaming").asBoolean()).isTrue();
    // One DOM update per word, each a growing prefix of the answer.
    int words = expected.split(" ").length;
    assertThat(a.get("snapshots")).hasSize(words);
    // The page's own MutationObserver saw the answer change many times (it batches tokens that arrive in one
    // task, so fewer than the words).
    assertThat(a.get("mutations").asInt()).isGreaterThanOrEqualTo(5);
    String previous = "";
    for (JsonNode snap : a.get("snapshots")) {
      assertThat(snap.asText()).startsWith(previous).isNotEqualTo(previous);
      previous = snap.asText();
    }
  }

  @Test
  void twoPagesChatOverWebSocketAndResumeAfterADrop() {
    JsonNode c = scenario("chat");
    assertThat(c.get("membersAlice")).extracting(JsonNode::asText).containsExactly("alice", "bob");
    assertThat(c.get("membersBob")).extracting(JsonNode::asText).containsExactly("alice", "bob");
    assertThat(c.get("cut").asInt()).as("WebSockets cut").isGreaterThanOrEqualTo(2);
    List<String> expected = new ArrayList<>(List.of("alice: hello bob", "bob: hi alice"));
    c.get("publishedWhileCut").forEach(n -> expected.add(n.asText()));
    expected.add("alice: still there?");
    assertThat(c.get("alice")).extracting(JsonNode::asText).containsExactlyElementsOf(expected);
    assertThat(c.get("bob")).extracting(JsonNode::asText).containsExactlyElementsOf(expected);
    List<String> states = new ArrayList<>();
    c.get("statesAlice").forEach(n -> states.add(n.asText()));
    assertThat(states).containsSubsequence("open", "reconnecting", "open");
  }

  @Test
  void javascriptClientBacksOffWithFullJitterAndResumesEveryTopicFromItsOwnId() {
    JsonNode c = scenario("client");
    assertThat(c.get("protocols")).extracting(JsonNode::asText).containsExactly("livepush.v1");
    assertThat(c.at("/firstSubscribe/type").asText()).isEqualTo("subscribe");
    assertThat(c.at("/firstSubscribe/topics")).extracting(JsonNode::asText).containsExactly("a", "b");
    assertThat(c.at("/firstSubscribe/from").isMissingNode()).isTrue();
    assertThat(c.get("events")).extracting(JsonNode::asText).containsExactly("e-2", "e-3", "e-4");
    // random() = 0.5, minDelay 8, maxDelay 64: half of min(64, 8 * 2^attempt), restarting after success.
    assertThat(c.get("states")).extracting(JsonNode::asText).containsExactly("connecting", "open",
        "reconnecting:4", "reconnecting:8", "reconnecting:16", "reconnecting:32", "reconnecting:32",
        "reconnecting:32", "open", "closed");
    // Every followed topic live: each event moves the connection position (and every topic's) to its id.
    assertThat(c.get("positionLive").asText()).isEqualTo("e-4");
    assertThat(c.get("positionWithC").isNull()).isTrue();
    // One subscribe resumes every topic from its own position (per-topic form), then the queued message.
    JsonNode resume = c.get("resume");
    assertThat(resume).hasSize(2);
    assertThat(resume.get(0).get("topics")).extracting(JsonNode::asText).containsExactly("a", "b", "c");
    assertThat(resume.get(0).at("/from/a").asText()).isEqualTo("e-4");
    assertThat(resume.get(0).at("/from/b").asText()).isEqualTo("e-4");
    assertThat(resume.get(0).at("/from/c").asText()).isEqualTo("e-0");
    assertThat(resume.get(1).get("type").asText()).isEqualTo("message");
    assertThat(resume.get(1).at("/data/say").asText()).isEqualTo("queued while away");
    assertThat(c.get("positionWhileResuming").isNull()).isTrue();
    assertThat(c.get("positionResumed").asText()).isEqualTo("e-9");
    assertThat(c.get("refusal").asText()).isEqualTo("forbidden");
    assertThat(c.get("parsed").toString()).isEqualTo("[{\"type\":\"message\",\"data\":\"a\\nb\",\"id\":null},"
        + "{\"type\":\"x\",\"data\":\" y \",\"id\":\"7\"},{\"type\":\"message\",\"data\":\"c\",\"id\":\"7\"}]");
    assertThat(c.get("topicsAfterRefusal")).extracting(JsonNode::asText).containsExactly("a", "b", "c");
    assertThat(c.get("statesAfterFatal").asText()).as("1008 is not retried").isEqualTo("closed");
  }

  @Test
  void eachCardShowsItsMatchsViewerCountFromPresence() {
    JsonNode v = scenario("viewers");
    assertThat(v.get("twoA")).isNotEmpty();
    for (String key : List.of("twoA", "twoB")) {
      assertThat(v.get(key)).as(key).hasSize(3)
          .allSatisfy(card -> assertThat(card.get("viewers").asText()).isEqualTo("2 watching"));
    }
    assertThat(v.get("one")).hasSize(3)
        .allSatisfy(card -> assertThat(card.get("viewers").asText()).isEqualTo("1 watching"));
    // The drop to 1 came from presence.leave events (not a reload): the last event of each match says 1.
    for (String match : List.of("1", "2", "3")) {
      JsonNode last = null;
      for (JsonNode e : v.get("events")) {
        if (e.get("match").asText().equals(match)) {
          last = e;
        }
      }
      assertThat(last).as("presence events of match %s", match).isNotNull();
      assertThat(last.get("type").asText()).isEqualTo("presence.leave");
      assertThat(last.get("count").asInt()).isEqualTo(1);
    }
    // /api/matches agrees with the page.
    assertThat(v.get("api")).hasSize(3)
        .allSatisfy(m -> assertThat(m.get("viewers").asInt()).isEqualTo(1));
  }

  @Test
  void screenshotOfTheScoreboardIsWritten() throws IOException {
    scenario("scoreboard");
    Path png = NodeScript.artifacts().resolve("scoreboard.png");
    assertThat(png).exists();
    byte[] head = new byte[8];
    System.arraycopy(Files.readAllBytes(png), 0, head, 0, 8);
    assertThat(head).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    assertThat(Files.size(png)).isGreaterThan(5_000);
  }
}
