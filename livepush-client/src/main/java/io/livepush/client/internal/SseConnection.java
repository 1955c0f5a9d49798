package io.livepush.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepush.client.ClientConfig;
import io.livepush.client.EventTooLargeException;
import io.livepush.client.LivePushClientException;
import io.livepush.client.PositionNotSendableException;
import io.livepush.client.PushEvent;
import io.livepush.client.Reset;
import io.livepush.client.StreamItem;
import io.livepush.client.UnexpectedResponseException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * One SSE response (WHATWG HTML §9.2): {@code GET} with {@code Accept: text/event-stream} and
 * {@code Last-Event-ID}; a {@code 200} with that content type opens the stream. The body is read one buffer list at a
 * time ({@code request(1)}), and only while the engine's queue has room, so demand paces the socket.
 */
final class SseConnection implements Connection, HttpResponse.BodyHandler<Void>, SseParser.Handler {
  private final ClientEngine engine;
  private final ClientConfig config;
  private final SseParser parser;
  private final String singleTopic;
  private final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>();
  private CompletableFuture<HttpResponse<Void>> response;
  private Flow.Subscription subscription;
  private boolean requested = true; // until the body subscription starts, the connection waits for the server
  private boolean aborted;
  private boolean pumping;
  private boolean ended; // the body ended while bytes were still waiting to be parsed
  private volatile long retryAfterMillis = -1;

  SseConnection(ClientEngine engine) {
    this.engine = engine;
    this.config = engine.config();
    this.parser = new SseParser(this, engine.wirePosition() == null ? "" : engine.wirePosition(),
        config.maxEventBytes());
    this.singleTopic = config.topics().size() == 1 ? config.topics().get(0) : null;
  }

  @Override
  public void open(String position) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(position)).GET()
        .header("Accept", "text/event-stream")
        .header("Cache-Control", "no-cache");
    if (position != null) {
      if (!HeaderValues.sendable(position)) {
        throw new PositionNotSendableException("the server's last event ID (" + position.length()
            + " characters) is not printable ASCII, so it cannot be sent back in Last-Event-ID");
      }
      b.header("Last-Event-ID", position);
    }
    for (Map.Entry<String, String> h : config.headers().entrySet()) {
      b.header(h.getKey(), h.getValue());
    }
    if (config.authorization() != null) {
      b.header("Authorization", ClientEngine.authorization(config));
    }
    response = engine.http().sendAsync(b.build(), this);
    response.whenComplete((r, t) -> engine.execute(() -> ended(t)));
  }

  /** The stream's URL: the position goes in Last-Event-ID; without one, the config's {@code since} time. */
  private URI uri(String position) {
    return Urls.withQuery(config.sseUri(), config, null, position == null);
  }

  /** Headers arrived (an HttpClient thread): accept the stream or refuse it without reading the body. */
  @Override
  public HttpResponse.BodySubscriber<Void> apply(HttpResponse.ResponseInfo info) {
    engine.touch();
    int status = info.statusCode();
    if (status != 200) {
      retryAfterMillis = Backoff.retryAfterMillis(info.headers());
      return new Refusal(new UnexpectedResponseException(status, "HTTP " + status + " from "
          + Urls.redact(config.sseUri())));
    }
    String type = info.headers().firstValue("content-type").orElse("");
    String essence = type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!essence.equals("text/event-stream")) {
      String shown = essence.length() > 64 || !essence.chars().allMatch(c -> c > 0x20 && c < 0x7f) ? "(invalid)"
          : essence;
      return new Refusal(new UnexpectedResponseException(200, "Content-Type " + shown
          + " (expected: text/event-stream)"));
    }
    engine.execute(() -> engine.opened(this));
    return new Body();
  }

  private void ended(Throwable t) {
    Throwable cause = t;
    while ((cause instanceof CompletionException || cause instanceof java.util.concurrent.ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause == null) {
      cause = new IOException("end of stream");
    } else if (cause instanceof CancellationException) {
      return; // aborted by us
    }
    if (t == null && !pending.isEmpty() && !aborted) {
      ended = true; // parse what was read first (pump ends the connection once it is through)
      return;
    }
    abort(false);
    engine.failed(this, cause, retryAfterMillis);
  }

  private void pump() {
    if (aborted || subscription == null || pumping) {
      return; // pumping: called back from a delivery inside this loop, which goes on by itself
    }
    pumping = true;
    try {
      while (!pending.isEmpty()) {
        if (!engine.hasRoom()) {
          return; // paused: ClientEngine.drain calls resumeReading when the consumer made room
        }
        ByteBuffer b = pending.peek();
        parser.feed(b);
        if (aborted) {
          return;
        }
        if (!b.hasRemaining()) {
          pending.poll();
        }
      }
    } catch (EventTooLargeException e) {
      abort(false);
      engine.failed(this, e, -1);
      return;
    } finally {
      pumping = false;
    }
    if (ended) {
      ended(null);
      return;
    }
    if (!requested) {
      requested = true;
      engine.touch();
      subscription.request(1);
    }
  }

  @Override
  public void resumeReading() {
    pump();
  }

  @Override
  public boolean awaitingInput() {
    return requested && !aborted;
  }

  @Override
  public void abort(boolean graceful) {
    if (aborted) {
      return;
    }
    aborted = true;
    pending.clear();
    if (subscription != null) {
      subscription.cancel(); // closes the HTTP/1.1 connection: the body was not read to its end
    }
    if (response != null) {
      response.cancel(true);
    }
  }

  // ---- SseParser.Handler (on the loop, inside pump) ------------------------------------------------------------

  @Override
  public boolean onEvent(String type, String data, String lastEventId) {
    if (POSITION_TYPE.equals(type)) {
      // livepush's stream position (docs/protocol.md, "The SSE position block"): it only moves the position.
      engine.position(this, lastEventId);
      return true;
    }
    String id = lastEventId.isEmpty() ? null : lastEventId;
    StreamItem item = "reset".equals(type) ? reset(data) : null;
    if (item == null) {
      item = PushEvent.text(singleTopic, id, type, data, config.objectMapper());
    }
    engine.deliver(this, item, lastEventId);
    return engine.hasRoom();
  }

  /** The event type of livepush's position block; never an application event (the server reserves it). */
  static final String POSITION_TYPE = "livepush.position";

  /** livepush's {@code reset} event, or {@code null} when the data is not one (another server's "reset"). */
  private Reset reset(String data) {
    try {
      JsonNode n = config.objectMapper().readTree(data);
      if (n != null && n.path("topic").isTextual() && n.path("reason").isTextual()) {
        return new Reset(n.get("topic").textValue(), n.get("reason").textValue(),
            n.path("id").isTextual() ? n.get("id").textValue() : null);
      }
    } catch (IOException e) {
      // not JSON: an application event that happens to be called "reset"
    }
    return null;
  }

  @Override
  public void onLastEventId(String lastEventId) {
    engine.position(this, lastEventId);
  }

  @Override
  public void onRetry(long millis) {
    engine.retry(this, millis);
  }

  /** Reads the body for the engine. Signals arrive on HttpClient threads and hop onto the client's thread. */
  private final class Body implements HttpResponse.BodySubscriber<Void> {
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    @Override
    public CompletionStage<Void> getBody() {
      return done;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      if (!engine.execute(() -> {
        if (aborted) {
          s.cancel();
          return;
        }
        subscription = s;
        requested = false;
        pump();
      })) {
        s.cancel();
      }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      engine.touch();
      engine.execute(() -> {
        if (aborted) {
          return;
        }
        requested = false;
        for (ByteBuffer b : items) {
          if (b.hasRemaining()) {
            pending.add(b);
          }
        }
        pump();
      });
    }

    @Override
    public void onError(Throwable throwable) {
      done.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
      done.complete(null);
    }
  }

  /** Refuses a response that is not a stream: cancels the body and fails the exchange with {@code cause}. */
  private static final class Refusal implements HttpResponse.BodySubscriber<Void> {
    private final CompletableFuture<Void> failed = new CompletableFuture<>();
    private final LivePushClientException cause;

    Refusal(LivePushClientException cause) {
      this.cause = cause;
    }

    @Override
    public CompletionStage<Void> getBody() {
      return failed;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      s.cancel();
      failed.completeExceptionally(cause);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {}

    @Override
    public void onError(Throwable throwable) {
      failed.completeExceptionally(cause);
    }

    @Override
    public void onComplete() {
      failed.completeExceptionally(cause);
    }
  }
}
