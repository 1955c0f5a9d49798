package io.livepush.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.RequestInfo;
import io.livepush.sse.SseEmitter;
import io.livepush.sse.SseStreamHandler;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /api/ask}: answers a question word by word over an SSE response, the way AI chat products stream
 * (WHATWG HTML §9.2 event stream format, read by the page with {@code fetch}, since EventSource cannot POST).
 * Each word is a {@code token} event; {@code done} ends the answer.
 *
 * <p>{@link #onStream} runs on the event loop, so it only schedules: every word is written later from this
 * handler's own scheduler, one task per word, and nothing ever blocks a thread. A client that goes away cancels
 * the rest of its answer.
 */
public final class AskHandler implements SseStreamHandler {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** Questions longer than this are cut: the example only echoes them. */
  private static final int MAX_QUESTION_CHARS = 200;

  private final ScheduledExecutorService scheduler;
  private final long wordNanos;

  /** Writes one word every {@code perWord} from {@code scheduler} (which the caller owns). */
  public AskHandler(ScheduledExecutorService scheduler, Duration perWord) {
    if (perWord.isNegative() || perWord.isZero()) {
      throw new IllegalArgumentException("perWord: " + perWord + " (expected: > 0)");
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

  @Override
  public void onStream(RequestInfo request, byte[] body, SseEmitter emitter) {
    String[] words = answer(question(body)).split(" ");
    // One task per word, each scheduling the next: the chain ends by itself when the answer is complete or
    // the client is gone (send() returns false once it disconnected or is too slow: stop, never buffer).
    Runnable[] step = new Runnable[1];
    int[] next = {0};
    step[0] = () -> {
      int i = next[0]++;
      if (i < words.length) {
        if (emitter.send("token", (i == 0 ? "" : " ") + words[i])) {
          scheduler.schedule(step[0], wordNanos, TimeUnit.NANOSECONDS);
        }
      } else {
        emitter.send("done", Integer.toString(words.length));
        emitter.complete();
      }
    };
    scheduler.schedule(step[0], wordNanos, TimeUnit.NANOSECONDS);
  }

  static String question(byte[] body) {
    String q = "";
    try {
      JsonNode node = MAPPER.readTree(body);
      q = node != null && node.hasNonNull("question") ? node.get("question").asText() : "";
    } catch (java.io.IOException e) {
      // not JSON: answer the empty question
    }
    q = q.replaceAll("\\s+", " ").trim();
    return q.length() > MAX_QUESTION_CHARS ? q.substring(0, MAX_QUESTION_CHARS) : q;
  }

  /** A canned answer; a real application would relay tokens from its model here. */
  static String answer(String question) {
    String q = question.isEmpty() ? "nothing in particular" : "\u201c" + question + "\u201d";
    return "You asked " + q + ". livepush streams this answer one word at a time over a single "
        + "server-sent events response, written from the application's own thread while the event loop "
        + "stays free. Each word is a token event and a final done event closes the stream.";
  }
}
