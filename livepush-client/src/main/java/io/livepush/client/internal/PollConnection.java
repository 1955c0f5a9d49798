package io.livepush.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import io.livepush.client.ClientConfig;
import io.livepush.client.PushEvent;
import io.livepush.client.Reset;
import io.livepush.client.StreamProtocolException;
import io.livepush.client.UnexpectedResponseException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A long-poll loop (docs/protocol.md, "Long-polling"): {@code GET <longPoll>?topic=..&lastEventId=<position>} is
 * answered with {@code {"events":[...],"position":".."}}; the entries are delivered in order, the position moves to
 * the answer's, and the next poll goes out once the consumer's queue has room (demand paces the polls). The first
 * answer opens the connection; a non-200 answer, a body that is not a batch or a network error ends it and the
 * engine reconnects from the position. One poll at a time; each answer is at most {@link #maxBodyBytes} bytes.
 */
final class PollConnection implements Connection {
  private final ClientEngine engine;
  private final ClientConfig config;
  private final long maxBodyBytes;
  private CompletableFuture<HttpResponse<byte[]>> inFlight;
  private String position;
  private boolean opened;
  private boolean waiting; // answered; the next poll waits for room in the consumer's queue
  private boolean aborted;

  PollConnection(ClientEngine engine) {
    this.engine = engine;
    this.config = engine.config();
    // The server bounds an answer (256 KiB of entries by default, or one event); one event is at most maxEventBytes.
    this.maxBodyBytes = Math.max(1L << 20, 2L * config.maxEventBytes() + 4096);
  }

  @Override
  public void open(String position) {
    this.position = position;
    poll();
  }

  private void poll() {
    if (aborted) {
      return;
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(uri()).GET().header("Accept", "application/json");
    for (Map.Entry<String, String> h : config.headers().entrySet()) {
      b.header(h.getKey(), h.getValue());
    }
    if (config.authorization() != null) {
      b.header("Authorization", ClientEngine.authorization(config));
    }
    engine.touch();
    CompletableFuture<HttpResponse<byte[]>> f = engine.http().sendAsync(b.build(), this::body);
    inFlight = f;
    f.whenComplete((r, t) -> engine.execute(() -> answered(f, r, t)));
  }

  private URI uri() {
    return Urls.withQuery(config.longPollUri(), config, position, true);
  }

  /** Reads a 200 whose declared length fits, else nothing (an HttpClient thread). */
  private HttpResponse.BodySubscriber<byte[]> body(HttpResponse.ResponseInfo info) {
    long length = info.headers().firstValueAsLong("content-length").orElse(-1);
    if (info.statusCode() != 200 || length < 0 || length > maxBodyBytes) {
      return HttpResponse.BodySubscribers.replacing(null);
    }
    return HttpResponse.BodySubscribers.ofByteArray();
  }

  private void answered(CompletableFuture<HttpResponse<byte[]>> f, HttpResponse<byte[]> r, Throwable t) {
    if (aborted || f != inFlight) {
      return;
    }
    inFlight = null;
    if (t != null) {
      Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
      if (!(cause instanceof CancellationException)) {
        engine.failed(this, cause, -1);
      }
      return;
    }
    if (r.statusCode() != 200) {
      engine.failed(this, new UnexpectedResponseException(r.statusCode(), "HTTP " + r.statusCode() + " from "
          + Urls.redact(config.longPollUri())), Backoff.retryAfterMillis(r.headers()));
      return;
    }
    JsonNode batch = null;
    try {
      batch = r.body() == null ? null : config.objectMapper().readTree(r.body());
    } catch (IOException e) {
      // reported below
    }
    if (batch == null || !batch.path("events").isArray() || !batch.path("position").isTextual()) {
      engine.failed(this, new StreamProtocolException("not a long-poll batch (or over " + maxBodyBytes
          + " bytes) from " + Urls.redact(config.longPollUri())), -1);
      return;
    }
    if (!opened) {
      opened = true;
      engine.opened(this);
    }
    for (JsonNode e : batch.get("events")) {
      if (aborted) {
        return;
      }
      deliver(e);
    }
    position = batch.get("position").textValue();
    engine.position(this, position);
    if (engine.hasRoom()) {
      poll();
    } else {
      waiting = true; // ClientEngine.drain calls resumeReading when the consumer made room
    }
  }

  /**
   * One entry: an event moves the position to its id, and so does a reset (livepush gives a reset the position
   * every topic of the poll is complete up to: resuming from before it would reset again and miss events).
   */
  private void deliver(JsonNode e) {
    JsonNode data = e.path("data");
    if (!e.has("id") && "reset".equals(e.path("event").textValue())) {
      String after = data.path("id").textValue();
      if (after != null) {
        position = after;
      }
      engine.deliver(this, new Reset(data.path("topic").textValue(), data.path("reason").textValue(),
          data.path("id").textValue()), position);
      return;
    }
    String id = e.path("id").textValue();
    position = id;
    engine.deliver(this, PushEvent.json(e.path("topic").textValue(), id, e.path("event").textValue(),
        data.isMissingNode() ? NullNode.getInstance() : data,
        config.objectMapper()), id);
  }

  @Override
  public void resumeReading() {
    if (waiting && !aborted) {
      waiting = false;
      poll();
    }
  }

  @Override
  public boolean awaitingInput() {
    return inFlight != null && !aborted;
  }

  @Override
  public void abort(boolean graceful) {
    if (aborted) {
      return;
    }
    aborted = true;
    if (inFlight != null) {
      inFlight.cancel(true);
    }
  }
}
