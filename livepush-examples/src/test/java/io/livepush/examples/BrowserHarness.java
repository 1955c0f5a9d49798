package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.LivePushServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Assumptions;

/**
 * The Java side of the tests that run a Node script in headless Chromium ({@link NodeScript}, and
 * {@code src/test/js/harness.mjs} on the script's side): the skip switch, the pages and control replies the
 * scripts load and call, how a scenario's result is read, and what a test started, closed in reverse order.
 */
final class BrowserHarness implements AutoCloseable {
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private ScheduledExecutorService answers;

  /**
   * Skips the calling test under {@code -Dlivepush.browserTests=skip} (a machine without Node or Chromium);
   * otherwise makes sure the scripts' npm packages are installed.
   */
  static void assumeBrowserTests() throws IOException, InterruptedException {
    Assumptions.assumeFalse("skip".equals(System.getProperty("livepush.browserTests")),
        "browser tests skipped by -Dlivepush.browserTests=skip");
    NodeScript.ensureNodeModules();
  }

  /** An empty HTML page at {@code path}, for a script to load before it imports the client from the server. */
  static HttpService page(String path, String title) {
    byte[] html = ("<!doctype html><title>" + title + "</title>").getBytes(StandardCharsets.UTF_8);
    return HttpService.nonBlocking((req, body) -> req.path().equals(path)
        ? HttpReply.of(200, "text/html; charset=utf-8", html) : null);
  }

  /** A control endpoint's 200 reply: {@code value} as JSON. */
  static HttpReply json(ObjectMapper mapper, Object value) {
    try {
      return HttpReply.json(200, mapper.writeValueAsString(value));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The result of scenario {@code name} in a script's output: fails with the script's own error when the scenario
   * failed in Node or the browser, and with the whole output when it produced nothing.
   */
  static JsonNode scenario(JsonNode results, String name) {
    JsonNode error = results.get(name + "Error");
    assertThat(error).as("scenario %s failed in the browser or node:%n%s", name, error).isNull();
    JsonNode node = results.get(name);
    assertThat(node).as("scenario %s produced no result; output: %s", name, results).isNotNull();
    return node;
  }

  /**
   * The example's own server ({@link ScoreboardApp#server}: SSE, WebSocket and long-polling on one port, the
   * streamed answer paced at 50 ms a word) on 127.0.0.1, port 0; the answers' scheduler is shut down by
   * {@link #close()}.
   */
  LivePushServer.Builder scoreboard() {
    answers = Executors.newSingleThreadScheduledExecutor();
    return ScoreboardApp.server(0, new AskHandler(answers, Duration.ofMillis(50))).host("127.0.0.1");
  }

  /** Closes {@code c} in {@link #close()}, before whatever was started earlier. */
  <T extends AutoCloseable> T closeLater(T c) {
    started.push(c);
    return c;
  }

  /** Closes what was started, last first (a proxy before its server), then the answers' scheduler. */
  @Override
  public void close() throws Exception {
    try {
      while (!started.isEmpty()) {
        started.pop().close();
      }
    } finally {
      if (answers != null) {
        answers.shutdownNow();
      }
    }
  }
}
