package io.livepush.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livepush.Event;
import io.livepush.NonBlocking;
import io.livepush.sse.SseEmitter;
import io.livepush.sse.SseStreamHandler;
import io.livepush.sse.StreamRequest;
import io.livepush.sse.StreamResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /api/ask}: answers a question word by word over an SSE response, the way AI chat products stream
 * (WHATWG HTML §9.2 event stream format, read by the page with {@code fetch}, since EventSource cannot POST).
 *
 * <h2>Request</h2>
 * A JSON object: {@code question} (string, optional), {@code words} (1 to {@value #MAX_WORDS}, optional: how
 * many tokens to stream, cycling through the answer; default the answer's length) and {@code delayMs} (0 to
 * {@value #MAX_DELAY_MS}, optional: pause between tokens; default the handler's). An empty or malformed body,
 * or a value out of range, is answered {@code 400} with {@code {"error": "..."}} before any stream.
 *
 * <h2>Stream</h2>
 * Each word is a {@code token} event whose {@code id} is its index (0, 1, ...); {@code done} (data: the number of
 * tokens) ends the answer. Each token is sent when the previous one has been handed to the connection within
 * its outbound budget ({@link SseEmitter#send} stages), so a slow reader slows the answer down instead of losing
 * tokens, and a client that goes away stops it.
 *
 * <p>{@link NonBlocking}: parsing a bounded body and chaining on stages never blocks, so the handler and its
 * stream run on the event loop rather than on the server's blocking executor.
 */
public final class AskHandler implements SseStreamHandler, NonBlocking {
  /** Most tokens one answer may ask for. */
  public static final int MAX_WORDS = 100_000;
  /** Longest pause between tokens one answer may ask for. */
  public static final long MAX_DELAY_MS = 10_000;
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** Questions longer than this are cut: the example only echoes them. */
  private static final int MAX_QUESTION_CHARS = 200;

  private final ScheduledExecutorService scheduler;
  private final long wordNanos;

  /**
   * Writes one word every {@code perWord} (the default when a request gives no {@code delayMs}) from
   * {@code scheduler} (which the caller owns).
   */
  public AskHandler(ScheduledExecutorService scheduler, Duration perWord) {
    if (perWord.isNegative()) {
      throw new IllegalArgumentException("perWord: " + perWord + " (expected: >= 0)");
    }
    this.scheduler = scheduler;
    this.wordNanos = perWord.toNanos();
  }

  /** A handler with its own daemon thread and 60 ms per word. */
  public static AskHandler withDefaults() {
    ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ask-answers");
      t.setDaemon(true);
      return t;
    });
    return new AskHandler(s, Duration.ofMillis(60));
  }

  /** A parsed request: the question, how many tokens ({@code 0}: the answer's length) and the pause. */
  record Ask(String question, int words, long delayNanos) {}

  @Override
  public StreamResponse onRequest(StreamRequest request) {
    Ask ask;
    try {
      ask = parse(request.body(), wordNanos);
    } catch (IllegalArgumentException e) {
      return StreamResponse.rejectJson(400,
          JsonNodeFactory.instance.objectNode().put("error", e.getMessage()).toString());
    }
    return StreamResponse.accept(emitter -> new Answer(emitter, ask).next(0));
  }

  /** One answer's state: the next token is sent when the previous one's stage completes. */
  private final class Answer {
    private final SseEmitter emitter;
    private final String[] words;
    private final int total;
    private final long delayNanos;

    Answer(SseEmitter emitter, Ask ask) {
      this.emitter = emitter;
      this.words = answer(ask.question()).split(" ");
      this.total = ask.words() > 0 ? ask.words() : words.length;
      this.delayNanos = ask.delayNanos();
    }

    void next(int i) {
      if (i == total) {
        emitter.send("done", Integer.toString(total)).whenComplete((v, e) -> emitter.complete());
        return;
      }
      String word = (i == 0 ? "" : " ") + words[i % words.length];
      emitter.send(Integer.toString(i), Event.text(word).withType("token")).whenComplete((v, e) -> {
        if (e != null) {
          return; // the client went away (StreamClosedException): stop
        }
        if (delayNanos == 0) {
          next(i + 1); // on the event loop, within the emitter's write loop: no recursion builds up
          return;
        }
        try {
          scheduler.schedule(() -> next(i + 1), delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopped) {
          emitter.complete();
        }
      });
    }
  }

  /**
   * Parses and checks the request body.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  static Ask parse(byte[] body, long defaultDelayNanos) {
    if (body.length == 0) {
      throw new IllegalArgumentException("empty body (expected: a JSON object such as {\"question\":\"...\"})");
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(body);
    } catch (IOException e) {
      throw new IllegalArgumentException("body is not JSON");
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("body is not a JSON object");
    }
    JsonNode q = node.get("question");
    if (q != null && !q.isNull() && !q.isTextual()) {
      throw new IllegalArgumentException("question: expected a string");
    }
    int words = (int) intField(node, "words", 1, MAX_WORDS, 0);
    long delayMs = intField(node, "delayMs", 0, MAX_DELAY_MS, -1);
    return new Ask(question(q == null || q.isNull() ? "" : q.asText()), words,
        delayMs < 0 ? defaultDelayNanos : TimeUnit.MILLISECONDS.toNanos(delayMs));
  }

  private static long intField(JsonNode node, String name, long min, long max, long absent) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return absent;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
      throw new IllegalArgumentException(name + ": expected an integer from " + min + " to " + max);
    }
    return v.asLong();
  }

  /** The question, whitespace collapsed and cut to {@value #MAX_QUESTION_CHARS} characters. */
  static String question(String raw) {
    String q = raw.replaceAll("\\s+", " ").trim();
    return q.length() > MAX_QUESTION_CHARS ? q.substring(0, MAX_QUESTION_CHARS) : q;
  }

  /** The question of a JSON body, or empty when it has none or is not JSON. */
  static String question(byte[] body) {
    try {
      JsonNode node = MAPPER.readTree(body);
      return question(node != null && node.hasNonNull("question") ? node.get("question").asText() : "");
    } catch (IOException e) {
      return "";
    }
  }

  /** A canned answer; a real application would relay tokens from its model here. */
  static String answer(String question) {
    String q = question.isEmpty() ? "nothing in particular" : "\u201c" + question + "\u201d";
    return "You asked " + q + ". livepush streams this answer one word at a time over a single "
        + "server-sent events response, written from the application's own thread while the event loop "
        + "stays free. Each word is a token event and a final done event closes the stream.";
  }
}
