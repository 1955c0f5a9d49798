package io.livepush.websocket;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import io.livepush.CloseReason;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.InvalidEventIdException;
import io.livepush.LivePushException;
import io.livepush.NonBlocking;
import io.livepush.Principal;
import io.livepush.RequestInfo;
import io.livepush.Topics;
import io.livepush.spi.AdmittedRequest;
import io.livepush.spi.LogSafe;
import io.livepush.spi.ResumeTime;
import io.livepush.spi.Session;
import io.livepush.spi.TransportContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The livepush.v1 protocol of one connection, independent of how its messages are framed: complete text
 * messages in ({@link #onText}), actions on the core's {@link Session} and answers out through a {@link Link}.
 * {@code WebSocketTransport} frames them as RFC 6455 text frames; livepush-webtransport as length-prefixed
 * messages on a WebTransport stream. Both run this same code, so subscribe, resume, {@code reset}, errors and
 * application messages behave the same on every transport (docs/protocol.md, "Messages").
 *
 * <p>For transport authors, not for applications (who see it as the {@link WebSocketConnection} handed to their
 * {@link WebSocketMessageHandler}).
 *
 * <h2>Threading</h2>
 * Every method except those of {@link WebSocketConnection} runs on the connection's event loop
 * ({@link Link#channel()}'s) and never blocks; the {@link WebSocketConnection} methods are safe from any thread.
 *
 * <h2>Bounds</h2>
 * A message is handled only while its answer fits the connection's outbound budget ({@link Session#canWrite});
 * otherwise it waits, in order, while the core has stopped reading. At most {@value #MAX_WAITING_BYTES}
 * characters of messages wait so; one more closes the session with {@link CloseReason#POLICY_VIOLATION}. Messages
 * that arrive while an earlier one waits for a callback (the authorizer, the message handler) wait too, at most
 * {@code maxPendingMessages} including the one in flight; one more closes with
 * {@link CloseReason#POLICY_VIOLATION}.
 */
public final class V1Session implements WebSocketConnection {
  private static final Logger LOG = LoggerFactory.getLogger(V1Session.class);
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
  /** Longest {@code ref} echoed back, in characters; a longer one is a bad request. */
  public static final int MAX_REF_LENGTH = 256;
  /** Most characters of requests waiting for the client to read its answers; more closes the session. */
  public static final int MAX_WAITING_BYTES = 64 * 1024;
  /** Upper bound of the framing overhead of one message, counted for replies handed over from other threads. */
  private static final int MAX_FRAME_OVERHEAD = 10;

  /**
   * How a transport carries livepush.v1 messages. Called on the connection's event loop; must not block.
   */
  public interface Link {
    /**
     * The channel of the session (the one given to {@link AdmittedRequest#openSession}).
     *
     * @return the channel; constant; never {@code null}
     */
    Channel channel();

    /**
     * Frames one server message.
     *
     * @param alloc the allocator to use
     * @param json the complete JSON message (UTF-8 when encoded)
     * @return the framed message, whose single reference passes to the caller (which writes it)
     */
    ByteBuf encodeText(ByteBufAllocator alloc, String json);

    /**
     * Ends the connection for a protocol-level failure with the transport's goodbye: a message that is not
     * JSON ({@link CloseCodes#INVALID_PAYLOAD}), a full executor ({@link CloseCodes#TRY_AGAIN_LATER}), or an
     * application close before the session opened. Called at most as often as the protocol fails; the
     * transport ignores calls after its own goodbye.
     *
     * @param code a WebSocket close code ({@link CloseCodes}); transports map it to their own error codes
     * @param reason a short reason, at most 123 UTF-8 bytes
     */
    void close(int code, String reason);

    /**
     * Whether the transport is closing (its goodbye is sent or the channel is closed): no more messages are
     * handled.
     *
     * @return {@code true} once closing; never becomes {@code false} again
     */
    boolean isClosing();
  }

  private final TransportContext context;
  private final WebSocketMessageHandler handler;
  private final Executor handlerExecutor;
  private final int maxPendingMessages;
  private final Link link;
  private final Channel channel;
  /** The admitted request until the session exists; then {@code null}. */
  private volatile AdmittedRequest admitted;
  private volatile Session session;
  private int appCloseCode = CloseCodes.NORMAL;
  private String appCloseReason = "";
  /**
   * livepush.v1 messages that arrived while an earlier one waits for a callback (authorizer, handler), handled
   * in order once it is done; at most maxPendingMessages. Created on first use: idle memory matters. Loop only.
   */
  private ArrayDeque<String> inbox;
  /** A message is waiting for a callback; later ones go to {@link #inbox}. Loop only. */
  private boolean busy;
  /** Requests waiting for {@link Session#canWrite()}, in arrival order; {@code null} when none. Loop only. */
  private ArrayDeque<String> waiting;
  private int waitingBytes;
  /** The client's last {@code "datagrams"} in a subscribe; loop only. */
  private boolean datagrams;

  private static final AtomicLongFieldUpdater<V1Session> IN_FLIGHT =
      AtomicLongFieldUpdater.newUpdater(V1Session.class, "inFlight");
  /** Reply bytes handed over by other threads and not yet written (field updater: idle memory). */
  private volatile long inFlight;

  /**
   * Creates the protocol state of one connection, before its session opens.
   *
   * @param context the transport's context (mapper, configuration, authorizer, executors)
   * @param handler the application's message handler, or {@code null} to answer {@code message} with
   *     {@code unsupported}
   * @param handlerExecutor where blocking handlers run, or {@code null} for the server's blocking executor
   * @param maxPendingMessages most messages waiting for a callback, the one in flight included; at least 1
   * @param admitted the admitted request, held until {@link #open} (for {@link #principal()} and
   *     {@link #request()} meanwhile); {@code null} when none
   * @param link the transport's framing
   * @throws IllegalArgumentException if {@code maxPendingMessages} is below 1
   */
  public V1Session(TransportContext context, WebSocketMessageHandler handler, Executor handlerExecutor,
      int maxPendingMessages, AdmittedRequest admitted, Link link) {
    if (maxPendingMessages < 1) {
      throw new IllegalArgumentException("maxPendingMessages: " + maxPendingMessages + " (expected: >= 1)");
    }
    this.context = Objects.requireNonNull(context, "context");
    this.handler = handler;
    this.handlerExecutor = handlerExecutor;
    this.maxPendingMessages = maxPendingMessages;
    this.admitted = admitted;
    this.link = Objects.requireNonNull(link, "link");
    this.channel = link.channel();
  }

  /**
   * Opens the core's session on {@link Link#channel()} with {@code request}; messages are handled from now on.
   *
   * @param request the admitted request; its slot passes to the session
   * @return the opened session
   * @throws IllegalStateException if a session is open already (see {@link AdmittedRequest#openSession})
   */
  public Session open(AdmittedRequest request) {
    if (session != null) {
      throw new IllegalStateException("session already open");
    }
    Session s = request.openSession(channel);
    admitted = null;
    session = s;
    return s;
  }

  /**
   * The core's session.
   *
   * @return the session, or {@code null} before {@link #open}
   */
  public Session session() {
    return session;
  }

  /**
   * Whether the client asked for unreliable delivery of keep-latest topics: the {@code "datagrams"} field of its
   * last {@code subscribe} that had one ({@code true} or {@code false}; docs/protocol.md, "Datagrams"). Only
   * transports with an unreliable path (WebTransport) act on it; the others accept and ignore the field. Loop only.
   *
   * @return {@code true} once a subscribe said {@code "datagrams": true} (and no later one said {@code false})
   */
  public boolean datagramsRequested() {
    return datagrams;
  }

  /**
   * The code of the application's {@link #close(int, String)}, for the transport's goodbye when the core closes
   * the session with {@link CloseReason#APPLICATION}.
   *
   * @return the code, {@link CloseCodes#NORMAL} when the application gave none
   */
  public int applicationCloseCode() {
    return appCloseCode;
  }

  /**
   * The reason of the application's {@link #close(int, String)}.
   *
   * @return the reason, empty when none; never {@code null}
   */
  public String applicationCloseReason() {
    return appCloseReason;
  }

  /**
   * One complete text message from the client: handled now, or kept (bounded, see the class comment) until
   * its answer fits the outbound budget. Ignored before {@link #open} and once the link is closing.
   *
   * @param text the message as received
   */
  public void onText(String text) {
    Session s = session;
    if (s == null || link.isClosing()) {
      return;
    }
    if (waiting != null || !s.canWrite()) {
      await(text);
      return;
    }
    handleOrQueue(text);
  }

  /**
   * The channel became writable (the core fires this after its own work for the event: replay, owed resets):
   * serves the messages that waited while they fit.
   */
  public void onWritable() {
    Session s = session;
    while (waiting != null && s != null && !link.isClosing() && s.canWrite()) {
      String text = waiting.pollFirst();
      if (text == null) {
        waiting = null;
        waitingBytes = 0;
        break;
      }
      waitingBytes -= text.length();
      handleOrQueue(text);
    }
    if (waiting != null && waiting.isEmpty()) {
      waiting = null;
      waitingBytes = 0;
    }
  }

  /** The channel closed: drops what waits. Idempotent. */
  public void discard() {
    inbox = null;
    waiting = null;
    waitingBytes = 0;
  }

  private void await(String text) {
    int bytes = text.length();
    if (waiting == null) {
      waiting = new ArrayDeque<>();
    }
    if (waitingBytes + bytes > MAX_WAITING_BYTES && !waiting.isEmpty()) {
      waiting = null;
      waitingBytes = 0;
      LOG.debug("closing {}: requests sent without reading the answers", channel);
      session.close(CloseReason.POLICY_VIOLATION);
      return;
    }
    waiting.addLast(text);
    waitingBytes += bytes;
  }

  /** One livepush.v1 message: handled now, or queued behind one that waits for a callback. */
  private void handleOrQueue(String text) {
    if (busy) {
      ArrayDeque<String> q = inbox;
      if (q == null) {
        q = new ArrayDeque<>();
        inbox = q;
      }
      if (q.size() + 1 >= maxPendingMessages) { // waiting ones plus the one in flight
        session.close(CloseReason.POLICY_VIOLATION);
        return;
      }
      q.add(text);
      return;
    }
    process(text);
  }

  private void process(String text) {
    CompletableFuture<Void> done = handleText(text);
    if (!done.isDone()) {
      busy = true;
      done.whenComplete((v, e) -> onLoop(this::resumeInbox));
    }
  }

  /** The message that waited is done (on the loop): handle those that arrived meanwhile, in order. */
  private void resumeInbox() {
    busy = false;
    ArrayDeque<String> q = inbox;
    while (!busy && !link.isClosing() && q != null && !q.isEmpty()) {
      Session s = session;
      if (s != null && !s.canWrite()) {
        deferInbox(q);
        return;
      }
      process(q.poll());
    }
  }

  /**
   * Over the outbound budget: the messages that waited for a callback now wait for the client to read, ahead
   * of later requests (so the order holds); {@link #await} closes once they pass the waiting bound.
   */
  private void deferInbox(ArrayDeque<String> q) {
    if (waiting == null) {
      waiting = new ArrayDeque<>();
    }
    String text;
    while ((text = q.pollLast()) != null) {
      waiting.addFirst(text);
      waitingBytes += text.length();
    }
  }

  /** Handles one message; the future completes (on the loop) when the next one may be handled. */
  private CompletableFuture<Void> handleText(String text) {
    ObjectMapper mapper = context.objectMapper();
    JsonNode node;
    try {
      node = mapper.readTree(text);
    } catch (JsonProcessingException e) {
      link.close(CloseCodes.INVALID_PAYLOAD, "message is not JSON");
      return DONE;
    }
    if (node == null || !node.isObject()) {
      error("bad-request", "expected a JSON object", null);
      return DONE;
    }
    JsonNode refNode = node.get("ref");
    String ref = null;
    if (refNode != null && !refNode.isNull()) {
      if (!refNode.isTextual() || refNode.asText().length() > MAX_REF_LENGTH) {
        error("bad-request", "ref must be a string of at most " + MAX_REF_LENGTH + " characters", null);
        return DONE;
      }
      ref = refNode.asText();
    }
    JsonNode type = node.get("type");
    if (type == null || !type.isTextual()) {
      error("bad-request", "missing \"type\"", ref);
      return DONE;
    }
    switch (type.asText()) {
      case "subscribe":
        return subscribe(node, ref);
      case "unsubscribe":
        unsubscribe(node, ref);
        return DONE;
      case "message":
        return message(node, ref);
      default:
        error("unknown-type", "unknown type " + V1Messages.quote(truncate(type.asText())), ref);
        return DONE;
    }
  }

  private static String truncate(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "..." : s;
  }

  /** The {@code topics} array as valid names, or {@code null} after answering an error. */
  private List<String> topics(JsonNode node, String ref) {
    JsonNode arr = node.get("topics");
    if (arr == null || !arr.isArray() || arr.isEmpty()) {
      error("bad-request", "\"topics\" must be a non-empty array of topic names", ref);
      return null;
    }
    int max = context.config().maxTopicsPerConnection();
    if (arr.size() > max) {
      error("too-many-topics", "a connection may follow at most " + max + " topics", ref);
      return null;
    }
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (JsonNode t : arr) {
      if (!t.isTextual() || !Topics.isValid(t.asText())) {
        error("bad-request", "invalid topic name " + (t.isTextual() ? V1Messages.quote(truncate(t.asText()))
            : t.toString()), ref);
        return null;
      }
      out.add(t.asText());
    }
    return new ArrayList<>(out);
  }

  private CompletableFuture<Void> subscribe(JsonNode node, String ref) {
    List<String> topics = topics(node, ref);
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
        error("bad-request", e.getMessage(), ref);
        return DONE;
      }
      positions = positions(null, topics, ref);
    } else {
      positions = positions(fromNode, topics, ref);
    }
    if (positions == null) {
      return DONE;
    }
    JsonNode dg = node.get("datagrams");
    if (dg != null && !dg.isNull()) {
      if (!dg.isBoolean()) {
        error("bad-request", "\"datagrams\" must be true or false", ref);
        return DONE;
      }
      datagrams = dg.asBoolean();
    }
    Session s = session;
    Set<String> current = s.topics();
    int fresh = 0;
    for (String t : topics) {
      if (!current.contains(t)) {
        fresh++;
      }
    }
    int max = context.config().maxTopicsPerConnection();
    if (current.size() + fresh > max) {
      error("too-many-topics", "a connection may follow at most " + max + " topics", ref);
      return DONE;
    }
    int added = fresh;
    if (since != null) {
      Instant time = since;
      return authorized(false, topics, ref).thenCompose(ok -> ok && !s.isClosed()
          ? context.positionsAt(s.channel(), topics, time).handle((at, e) -> {
            if (e == null) {
              if (!s.isClosed()) {
                subscribeAuthorized(s, topics, at, added, ref);
              }
            } else {
              timeLookupFailed(e, ref);
            }
            return null;
          })
          : DONE);
    }
    return authorized(false, topics, ref).thenAccept(ok -> {
      if (ok && !s.isClosed()) {
        subscribeAuthorized(s, topics, positions, added, ref);
      }
    });
  }

  /**
   * Answers a failed resume by time: {@code unsupported} when the server's log cannot look up times (the
   * lookup's 400), {@code unavailable} when the bus failed to answer; nothing once the connection is gone.
   */
  private void timeLookupFailed(Throwable e, String ref) {
    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
        ? e.getCause() : e;
    if (cause instanceof java.nio.channels.ClosedChannelException || link.isClosing()) {
      return;
    }
    if (cause instanceof LivePushException && ((LivePushException) cause).httpStatus() == 400) {
      error("unsupported", cause.getMessage(), ref);
    } else {
      LOG.debug("resume by time failed on {}", session, LogSafe.throwable(cause));
      error("unavailable", "the event log could not be read; retry later", ref);
    }
  }

  /** Subscribes after the authorizer allowed every topic; on the loop. */
  private void subscribeAuthorized(Session s, List<String> topics, Map<String, EventId> positions, int fresh,
      String ref) {
    EventId position = s.subscribe(positions, ref);
    if (fresh == 0) {
      // Nothing new: the core writes no marker, but the client waits for one.
      write(V1Messages.subscribed(topics, position, ref));
    }
  }

  /**
   * The resume position of each of {@code topics} from {@code "from"}: absent or {@code null} (live from now),
   * one position for all (a string: an event id or {@code earliest}; a time is resolved by the caller), or an object of per-topic positions whose
   * keys are among {@code topics} (topics it leaves out are live from now). Returns {@code null} after
   * answering an error.
   */
  private Map<String, EventId> positions(JsonNode from, List<String> topics, String ref) {
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
        error("bad-request", "\"from\" must be an event id, \"earliest\" or an object of them per topic", ref);
        return null;
      }
      for (Map.Entry<String, JsonNode> e : from.properties()) {
        if (!out.containsKey(e.getKey())) {
          error("bad-request", "\"from\" names topic " + V1Messages.quote(truncate(e.getKey()))
              + ", which \"topics\" does not list", ref);
          return null;
        }
        JsonNode v = e.getValue();
        if (!v.isNull() && (!v.isTextual() || ResumeTime.looksLikeTime(v.asText()))) {
          error("bad-request", "\"from\" of topic " + V1Messages.quote(e.getKey())
              + " must be an event id or \"earliest\" (a time applies to every topic: give it as \"from\")", ref);
          return null;
        }
        out.put(e.getKey(), v.isNull() ? null : EventId.parsePosition(v.asText()));
      }
      return out;
    } catch (InvalidEventIdException e) {
      error("bad-request", e.getMessage(), ref);
      return null;
    }
  }

  private void unsubscribe(JsonNode node, String ref) {
    List<String> topics = topics(node, ref);
    if (topics == null) {
      return;
    }
    for (String t : topics) {
      session.unsubscribe(t);
    }
    if (ref != null) {
      write(V1Messages.ack(ref));
    }
  }

  private CompletableFuture<Void> message(JsonNode node, String ref) {
    WebSocketMessageHandler h = handler;
    if (h == null) {
      error("unsupported", "this endpoint accepts no application messages", ref);
      return DONE;
    }
    JsonNode topic = node.get("topic");
    if (topic != null && !topic.isNull() && !topic.isTextual()) {
      error("bad-request", "\"topic\" must be a string", ref);
      return DONE;
    }
    JsonNode data = node.get("data");
    ClientMessage m = new ClientMessage(topic == null || topic.isNull() ? null : topic.asText(),
        data == null ? NullNode.getInstance() : data, ref, context.objectMapper());
    if (m.topic() == null) {
      return invoke(h, m);
    }
    return authorized(true, List.of(m.topic()), ref)
        .thenCompose(ok -> ok && !link.isClosing() ? invoke(h, m) : DONE);
  }

  /**
   * Asks the authorizer about each topic in turn (subscribe, or publish for client messages); answers the first
   * refusal with {@code forbidden}. Completes on the loop; a full executor closes with 1013.
   */
  private CompletableFuture<Boolean> authorized(boolean publish, List<String> topics, String ref) {
    Session s = session;
    CompletableFuture<Boolean> chain = CompletableFuture.completedFuture(true);
    for (String t : topics) {
      chain = chain.thenCompose(ok -> !ok || link.isClosing() ? CompletableFuture.completedFuture(false)
          : (publish ? context.canPublish(s, t) : context.canSubscribe(s, t)).toCompletableFuture()
              .thenApply(allowed -> {
                if (!allowed) {
                  error("forbidden", "not allowed to " + (publish ? "publish to" : "follow") + " topic "
                      + V1Messages.quote(t), ref);
                }
                return allowed;
              }));
    }
    return chain.exceptionally(e -> {
      onLoop(() -> link.close(CloseCodes.TRY_AGAIN_LATER, "server busy, try again later"));
      return false;
    });
  }

  /**
   * Runs the handler where it may block (the handlerExecutor, else the server's blocking executor, or the loop
   * for non-blocking ones); the future completes on the loop once it returned.
   */
  private CompletableFuture<Void> invoke(WebSocketMessageHandler h, ClientMessage m) {
    Executor executor = handlerExecutor != null ? handlerExecutor
        : h instanceof NonBlocking ? Runnable::run : context.blockingExecutor();
    CompletionStage<?> stage;
    try {
      stage = h.onMessage(this, m, executor);
    } catch (RejectedExecutionException e) {
      LOG.warn("message handler executor rejected a task for {}", channel);
      link.close(CloseCodes.TRY_AGAIN_LATER, "server busy, try again later");
      return DONE;
    } catch (RuntimeException e) {
      LOG.warn("livepush.v1 message handler failed on {} for {}", m, request(), LogSafe.throwable(e));
      closeSession(CloseReason.INTERNAL_ERROR);
      return DONE;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    stage.whenComplete((v, e) -> onLoop(() -> {
      if (e != null) {
        LOG.warn("livepush.v1 message handler failed on {} for {}", m, request(), LogSafe.throwable(e));
        closeSession(CloseReason.INTERNAL_ERROR);
      }
      done.complete(null);
    }));
    return done;
  }

  private void closeSession(CloseReason reason) {
    Session s = session;
    if (s != null) {
      s.close(reason);
    } else {
      link.close(CloseCodes.of(reason), "");
    }
  }

  private void error(String code, String message, String ref) {
    write(V1Messages.error(code, message, ref));
  }

  private void write(String json) {
    Session s = session;
    s.write(link.encodeText(channel.alloc(), json));
    s.flush();
  }

  private void onLoop(Runnable r) {
    if (channel.eventLoop().inEventLoop()) {
      r.run();
    } else {
      channel.eventLoop().execute(r);
    }
  }

  // ---- WebSocketConnection ------------------------------------------------------------------------------

  @Override
  public long id() {
    Session s = session;
    return s == null ? -1 : s.id();
  }

  @Override
  public Principal principal() {
    Session s = session;
    AdmittedRequest a = admitted;
    return s != null ? s.principal() : a != null ? a.principal() : Principal.ANONYMOUS;
  }

  @Override
  public RequestInfo request() {
    Session s = session;
    AdmittedRequest a = admitted;
    return s != null ? s.request() : a != null ? a.request() : null;
  }

  @Override
  public boolean reply(String ref, Object data) {
    String json;
    try {
      json = context.objectMapper().writeValueAsString(data);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("data: cannot serialise (" + e.getOriginalMessage() + ")", e);
    }
    return send(V1Messages.reply(ref, json));
  }

  @Override
  public boolean ack(String ref) {
    return send(V1Messages.ack(ref));
  }

  /**
   * Writes an application's reply within the outbound budget: on the loop when the channel is writable; from
   * another thread when the bytes already handed over but not yet written, plus the channel's pending bytes,
   * are under the budget (so they exceed it by at most this reply). Otherwise {@code false}: nothing is sent.
   */
  private boolean send(String json) {
    if (!isOpen()) {
      return false;
    }
    if (channel.eventLoop().inEventLoop()) {
      if (link.isClosing() || !channel.isWritable()) {
        return false;
      }
      write(json);
      return true;
    }
    long size = ByteBufUtil.utf8Bytes(json) + (long) MAX_FRAME_OVERHEAD;
    if (IN_FLIGHT.getAndAdd(this, size) >= channel.bytesBeforeUnwritable()) {
      IN_FLIGHT.addAndGet(this, -size);
      return false;
    }
    try {
      channel.eventLoop().execute(() -> {
        IN_FLIGHT.addAndGet(this, -size);
        if (session != null && !link.isClosing()) {
          write(json);
        }
      });
    } catch (RejectedExecutionException e) {
      IN_FLIGHT.addAndGet(this, -size);
      return false;
    }
    return true;
  }

  @Override
  public EventId publish(String topic, Event event) {
    return context.publish(topic, event);
  }

  @Override
  public CompletableFuture<EventId> publishAsync(String topic, Event event) {
    return context.publishAsync(topic, event);
  }

  @Override
  public void close(int code, String reason) {
    CloseCodes.validate(code, reason);
    onLoop(() -> {
      if (link.isClosing()) {
        return;
      }
      appCloseCode = code;
      appCloseReason = reason == null ? "" : reason;
      Session s = session;
      if (s != null) {
        s.close(CloseReason.APPLICATION);
      } else {
        link.close(code, appCloseReason);
      }
    });
  }

  @Override
  public boolean isOpen() {
    return !link.isClosing() && session != null && channel.isActive();
  }

  @Override
  public String toString() {
    return "WebSocketConnection{id=" + id() + ", request=" + request() + '}';
  }
}
