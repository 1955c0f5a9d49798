package io.livepush.websocket;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import io.livepush.CloseReason;
import io.livepush.EventId;
import io.livepush.InvalidEventIdException;
import io.livepush.LivePushException;
import io.livepush.NonBlocking;
import io.livepush.Topics;
import io.livepush.spi.LogSafe;
import io.livepush.spi.ResumeTime;
import io.livepush.spi.Session;
import io.livepush.spi.TransportContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one livepush.v1 client message asks for (docs/protocol.md, "Messages"): parses and checks it, then
 * subscribes/resumes, unsubscribes or runs the application's handler, after the authorizer allowed it. Answers
 * through {@link V1Session}. When a message is handled is {@link V1Inbox}'s concern. Stateless: one per
 * transport ({@link V1Protocol}), the connection passed in; the connection's state is in its {@link V1Session}.
 * Loop only (the connection's).
 */
final class V1Requests {
  // V1Session's logger, so that operators keep one logger name for the protocol.
  private static final Logger LOG = LoggerFactory.getLogger(V1Session.class);
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  private final TransportContext context;
  private final WebSocketMessageHandler handler;
  private final Executor handlerExecutor;

  V1Requests(TransportContext context, WebSocketMessageHandler handler, Executor handlerExecutor) {
    this.context = context;
    this.handler = handler;
    this.handlerExecutor = handlerExecutor;
  }

  /** Handles one message of {@code conn}; the future completes (on the loop) when the next one may be handled. */
  CompletableFuture<Void> handleText(V1Session conn, String text) {
    ObjectMapper mapper = context.objectMapper();
    JsonNode node;
    try {
      node = mapper.readTree(text);
    } catch (JsonProcessingException e) {
      conn.closeTransport(CloseCodes.INVALID_PAYLOAD, "message is not JSON");
      return DONE;
    }
    if (node == null || !node.isObject()) {
      error(conn, "bad-request", "expected a JSON object", null);
      return DONE;
    }
    JsonNode refNode = node.get("ref");
    String ref = null;
    if (refNode != null && !refNode.isNull()) {
      if (!refNode.isTextual() || refNode.asText().length() > V1Session.MAX_REF_LENGTH) {
        error(conn, "bad-request", "ref must be a string of at most " + V1Session.MAX_REF_LENGTH + " characters",
            null);
        return DONE;
      }
      ref = refNode.asText();
    }
    JsonNode type = node.get("type");
    if (type == null || !type.isTextual()) {
      error(conn, "bad-request", "missing \"type\"", ref);
      return DONE;
    }
    switch (type.asText()) {
      case "subscribe":
        return subscribe(conn, node, ref);
      case "unsubscribe":
        unsubscribe(conn, node, ref);
        return DONE;
      case "message":
        return message(conn, node, ref);
      default:
        error(conn, "unknown-type", "unknown type " + V1Messages.quote(truncate(type.asText())), ref);
        return DONE;
    }
  }

  private static String truncate(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "..." : s;
  }

  /** The {@code topics} array as valid names, or {@code null} after answering an error. */
  private List<String> topics(V1Session conn, JsonNode node, String ref) {
    JsonNode arr = node.get("topics");
    if (arr == null || !arr.isArray() || arr.isEmpty()) {
      error(conn, "bad-request", "\"topics\" must be a non-empty array of topic names", ref);
      return null;
    }
    int max = context.config().maxTopicsPerConnection();
    if (arr.size() > max) {
      error(conn, "too-many-topics", "a connection may follow at most " + max + " topics", ref);
      return null;
    }
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (JsonNode t : arr) {
      if (!t.isTextual() || !Topics.isValid(t.asText())) {
        error(conn, "bad-request", "invalid topic name " + (t.isTextual() ? V1Messages.quote(truncate(t.asText()))
            : t.toString()), ref);
        return null;
      }
      out.add(t.asText());
    }
    return new ArrayList<>(out);
  }

  private CompletableFuture<Void> subscribe(V1Session conn, JsonNode node, String ref) {
    List<String> topics = topics(conn, node, ref);
    if (topics == null) {
      return DONE;
    }
    JsonNode fromNode = node.get("from");
    Instant since = null;
    Map<String, EventId> positions;
    if (fromNode != null && fromNode.isTextual() && ResumeTime.looksLikeTime(fromNode.asText())) {
      try {
        since = ResumeTime.parse(fromNode.asText());
      } catch (InvalidEventIdException e) {
        error(conn, "bad-request", e.getMessage(), ref);
        return DONE;
      }
      positions = positions(conn, null, topics, ref);
    } else {
      positions = positions(conn, fromNode, topics, ref);
    }
    if (positions == null) {
      return DONE;
    }
    JsonNode dg = node.get("datagrams");
    if (dg != null && !dg.isNull()) {
      if (!dg.isBoolean()) {
        error(conn, "bad-request", "\"datagrams\" must be true or false", ref);
        return DONE;
      }
      conn.datagrams = dg.asBoolean();
    }
    Session s = conn.session();
    Set<String> current = s.topics();
    int fresh = 0;
    for (String t : topics) {
      if (!current.contains(t)) {
        fresh++;
      }
    }
    int max = context.config().maxTopicsPerConnection();
    if (current.size() + fresh > max) {
      error(conn, "too-many-topics", "a connection may follow at most " + max + " topics", ref);
      return DONE;
    }
    int added = fresh;
    if (since != null) {
      Instant time = since;
      return authorized(conn, false, topics, ref).thenCompose(ok -> ok && !s.isClosed()
          ? context.positionsAt(s.channel(), topics, time).handle((at, e) -> {
            if (e == null) {
              if (!s.isClosed()) {
                subscribeAuthorized(conn, topics, at, added, ref);
              }
            } else {
              timeLookupFailed(conn, e, ref);
            }
            return null;
          })
          : DONE);
    }
    return authorized(conn, false, topics, ref).thenAccept(ok -> {
      if (ok && !s.isClosed()) {
        subscribeAuthorized(conn, topics, positions, added, ref);
      }
    });
  }

  /**
   * Answers a failed resume by time: {@code unsupported} when the server's log cannot look up times (the
   * lookup's 400), {@code unavailable} when the bus failed to answer; nothing once the connection is gone.
   */
  private void timeLookupFailed(V1Session conn, Throwable e, String ref) {
    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
        ? e.getCause() : e;
    if (cause instanceof java.nio.channels.ClosedChannelException || conn.isClosing()) {
      return;
    }
    if (cause instanceof LivePushException && ((LivePushException) cause).httpStatus() == 400) {
      error(conn, "unsupported", cause.getMessage(), ref);
    } else {
      LOG.debug("resume by time failed on {}", conn.session(), LogSafe.throwable(cause));
      error(conn, "unavailable", "the event log could not be read; retry later", ref);
    }
  }

  /** Subscribes after the authorizer allowed every topic; on the loop. */
  private void subscribeAuthorized(V1Session conn, List<String> topics, Map<String, EventId> positions, int fresh,
      String ref) {
    EventId position = conn.session().subscribe(positions, ref);
    if (fresh == 0) {
      // Nothing new: the core writes no marker, but the client waits for one.
      conn.write(V1Messages.subscribed(topics, position, ref));
    }
  }

  /**
   * The resume position of each of {@code topics} from {@code "from"}: absent or {@code null} (live from now),
   * one position for all (a string: an event id or {@code earliest}; a time is resolved by the caller), or an
   * object of per-topic positions whose keys are among {@code topics} (topics it leaves out are live from now).
   * Returns {@code null} after answering an error.
   */
  private Map<String, EventId> positions(V1Session conn, JsonNode from, List<String> topics, String ref) {
    LinkedHashMap<String, EventId> out = new LinkedHashMap<>();
    for (String t : topics) {
      out.put(t, null);
    }
    if (from == null || from.isNull()) {
      return out;
    }
    try {
      if (from.isTextual()) {
        EventId all = EventId.parsePosition(from.asText());
        out.replaceAll((t, p) -> all);
        return out;
      }
      if (!from.isObject()) {
        error(conn, "bad-request", "\"from\" must be an event id, \"earliest\" or an object of them per topic", ref);
        return null;
      }
      for (Map.Entry<String, JsonNode> e : from.properties()) {
        if (!out.containsKey(e.getKey())) {
          error(conn, "bad-request", "\"from\" names topic " + V1Messages.quote(truncate(e.getKey()))
              + ", which \"topics\" does not list", ref);
          return null;
        }
        JsonNode v = e.getValue();
        if (!v.isNull() && (!v.isTextual() || ResumeTime.looksLikeTime(v.asText()))) {
          error(conn, "bad-request", "\"from\" of topic " + V1Messages.quote(e.getKey())
              + " must be an event id or \"earliest\" (a time applies to every topic: give it as \"from\")", ref);
          return null;
        }
        out.put(e.getKey(), v.isNull() ? null : EventId.parsePosition(v.asText()));
      }
      return out;
    } catch (InvalidEventIdException e) {
      error(conn, "bad-request", e.getMessage(), ref);
      return null;
    }
  }

  private void unsubscribe(V1Session conn, JsonNode node, String ref) {
    List<String> topics = topics(conn, node, ref);
    if (topics == null) {
      return;
    }
    Session s = conn.session();
    for (String t : topics) {
      s.unsubscribe(t);
    }
    if (ref != null) {
      conn.write(V1Messages.ack(ref));
    }
  }

  private CompletableFuture<Void> message(V1Session conn, JsonNode node, String ref) {
    WebSocketMessageHandler h = handler;
    if (h == null) {
      error(conn, "unsupported", "this endpoint accepts no application messages", ref);
      return DONE;
    }
    JsonNode topic = node.get("topic");
    if (topic != null && !topic.isNull() && !topic.isTextual()) {
      error(conn, "bad-request", "\"topic\" must be a string", ref);
      return DONE;
    }
    JsonNode data = node.get("data");
    ClientMessage m = new ClientMessage(topic == null || topic.isNull() ? null : topic.asText(),
        data == null ? NullNode.getInstance() : data, ref, context.objectMapper());
    if (m.topic() == null) {
      return invoke(conn, h, m);
    }
    return authorized(conn, true, List.of(m.topic()), ref)
        .thenCompose(ok -> ok && !conn.isClosing() ? invoke(conn, h, m) : DONE);
  }

  /**
   * Asks the authorizer about each topic in turn (subscribe, or publish for client messages); answers the first
   * refusal with {@code forbidden}. Completes on the loop; a full executor closes with 1013.
   */
  private CompletableFuture<Boolean> authorized(V1Session conn, boolean publish, List<String> topics, String ref) {
    Session s = conn.session();
    CompletableFuture<Boolean> chain = CompletableFuture.completedFuture(true);
    for (String t : topics) {
      chain = chain.thenCompose(ok -> !ok || conn.isClosing() ? CompletableFuture.completedFuture(false)
          : (publish ? context.canPublish(s, t) : context.canSubscribe(s, t)).toCompletableFuture()
              .thenApply(allowed -> {
                if (!allowed) {
                  error(conn, "forbidden", "not allowed to " + (publish ? "publish to" : "follow") + " topic "
                      + V1Messages.quote(t), ref);
                }
                return allowed;
              }));
    }
    return chain.exceptionally(e -> {
      conn.onLoop(() -> conn.closeTransport(CloseCodes.TRY_AGAIN_LATER, "server busy, try again later"));
      return false;
    });
  }

  /**
   * Runs the handler where it may block (the handlerExecutor, else the server's blocking executor, or the loop
   * for non-blocking ones); the future completes on the loop once it returned.
   */
  private CompletableFuture<Void> invoke(V1Session conn, WebSocketMessageHandler h, ClientMessage m) {
    Executor executor = handlerExecutor != null ? handlerExecutor
        : h instanceof NonBlocking ? Runnable::run : context.blockingExecutor();
    CompletionStage<?> stage;
    try {
      stage = h.onMessage(conn, m, executor);
    } catch (RejectedExecutionException e) {
      LOG.warn("message handler executor rejected a task for {}", conn.channel());
      conn.closeTransport(CloseCodes.TRY_AGAIN_LATER, "server busy, try again later");
      return DONE;
    } catch (RuntimeException e) {
      LOG.warn("livepush.v1 message handler failed on {} for {}", m, conn.request(), LogSafe.throwable(e));
      conn.closeSession(CloseReason.INTERNAL_ERROR);
      return DONE;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    stage.whenComplete((v, e) -> conn.onLoop(() -> {
      if (e != null) {
        LOG.warn("livepush.v1 message handler failed on {} for {}", m, conn.request(), LogSafe.throwable(e));
        conn.closeSession(CloseReason.INTERNAL_ERROR);
      }
      done.complete(null);
    }));
    return done;
  }

  private void error(V1Session conn, String code, String message, String ref) {
    conn.write(V1Messages.error(code, message, ref));
  }
}
