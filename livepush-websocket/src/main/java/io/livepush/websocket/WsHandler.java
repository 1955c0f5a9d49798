package io.livepush.websocket;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import io.livepush.CloseReason;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.InvalidEventIdException;
import io.livepush.RequestInfo;
import io.livepush.Topics;
import io.livepush.spi.AdmittedRequest;
import io.livepush.spi.LogSafe;
import io.livepush.spi.Session;
import io.livepush.spi.TransportContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.zip.DataFormatException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-connection end of the WebSocket pipeline: opens the session after the handshake, speaks livepush.v1
 * (or echoes in conformance mode), answers close frames and sends livepush's own close codes. State is
 * confined to the event loop except where marked volatile/atomic for {@link WebSocketConnection} callers.
 */
final class WsHandler extends ChannelDuplexHandler implements WebSocketConnection {
  private static final Logger LOG = LoggerFactory.getLogger(WsHandler.class);
  /** The key under which Netty's protocol handler keeps the handshaker (same name, so the same constant). */
  private static final AttributeKey<WebSocketServerHandshaker> NETTY_HANDSHAKER =
      AttributeKey.valueOf(WebSocketServerHandshaker.class, "HANDSHAKER");
  private static final AtomicIntegerFieldUpdater<WsHandler> WIP =
      AtomicIntegerFieldUpdater.newUpdater(WsHandler.class, "wip");
  /** Longest {@code ref} echoed back; longer is a bad request. */
  static final int MAX_REF_LENGTH = 256;

  private final WebSocketTransport transport;
  /**
   * The admitted handshake request until the session exists ({@code null} over capacity); then
   * {@code session.request()} (which may drop headers).
   */
  private AdmittedRequest admitted;
  private Channel channel;
  private volatile Session session;
  private volatile boolean closing;
  private int appCloseCode = CloseCodes.NORMAL;
  private String appCloseReason = "";
  // Executor mode: messages waiting for the handler, bounded by maxPendingMessages (checked on the loop).
  // Created on first use: most connections never send a message, and idle memory matters.
  private volatile ConcurrentLinkedQueue<ClientMessage> pending;
  /** Messages queued or running on the executor (field updater, not an AtomicInteger: idle memory). */
  private volatile int wip;
  /** Components of {@link #partial} before it consolidates, as Netty's MessageAggregator default. */
  private static final int MAX_COMPONENTS = 1024;
  /**
   * The fragmented message being reassembled (RFC 6455 §5.4), at most {@code maxMessageSize} bytes; {@code null}
   * between messages. Owned here: released when complete, on close and on removal.
   */
  private CompositeByteBuf partial;
  private boolean partialText;
  /** Our close frame went out: RFC 6455 §5.5.1, nothing more may follow it (event loop only). */
  private boolean closeFrameSent;

  WsHandler(WebSocketTransport transport, AdmittedRequest admitted) {
    this.transport = transport;
    this.admitted = admitted;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
      slimPipeline(ctx.pipeline());
      AdmittedRequest a = admitted;
      if (a == null) {
        sendClose(CloseCodes.TRY_AGAIN_LATER, "server at capacity, try again later");
        return;
      }
      admitted = null; // the slot passes to the session
      session = a.openSession(channel);
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  /**
   * Drops what only the handshake needed, so an idle connection keeps codec, validator, aggregator and this
   * handler: Netty's protocol handler (its ping, pong and close duties are done here) and its handshaker
   * attribute. The Utf8FrameValidator it added stays.
   */
  private static void slimPipeline(ChannelPipeline p) {
    if (p.get(WebSocketTransport.PROTOCOL) != null) {
      p.remove(WebSocketTransport.PROTOCOL);
    }
    p.channel().attr(NETTY_HANDSHAKER).remove();
  }

  /** Drops writes after our close frame (Netty's protocol handler did this before it was removed). */
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (closeFrameSent) {
      ReferenceCountUtil.release(msg);
      if (!promise.isVoid()) {
        promise.tryFailure(new ClosedChannelException());
      }
      return;
    }
    if (msg instanceof CloseWebSocketFrame) {
      closeFrameSent = true;
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    AdmittedRequest a = admitted;
    if (a != null) {
      admitted = null;
      a.release();
    }
    closing = true;
    releasePartial();
    releasePendingPong();
    waiting = null;
    ConcurrentLinkedQueue<ClientMessage> q = pending;
    if (q != null) {
      q.clear();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (!(msg instanceof WebSocketFrame)) {
        return; // nothing else can arrive after the upgrade
      }
      Session s = session;
      if (s != null) {
        s.markRead(); // any frame, pongs included, proves the peer alive
      }
      if (msg instanceof CloseWebSocketFrame) {
        onClose((CloseWebSocketFrame) msg);
        return;
      }
      if (msg instanceof PingWebSocketFrame) {
        // RFC 6455 §5.5.3: a pong with the ping's application data (at most 125 bytes, checked by the decoder).
        if (!closing) {
          pong(ctx, ((PingWebSocketFrame) msg).content().retain());
        }
        return;
      }
      if (s == null || closing || msg instanceof PongWebSocketFrame) {
        return;
      }
      WebSocketFrame frame = (WebSocketFrame) msg;
      if (frame instanceof ContinuationWebSocketFrame || !frame.isFinalFragment()) {
        WebSocketFrame whole = aggregate(ctx, frame);
        if (whole != null) {
          try {
            onMessage(ctx, whole);
          } finally {
            whole.release();
          }
        }
        return;
      }
      onMessage(ctx, frame);
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  /**
   * Adds a fragment; returns the whole message (the caller releases it) after the final one, else {@code null}.
   * The decoder already rejects fragments out of sequence with 1002, so a data frame here starts a message and
   * a continuation continues one.
   */
  private WebSocketFrame aggregate(ChannelHandlerContext ctx, WebSocketFrame f) {
    if (!(f instanceof ContinuationWebSocketFrame)) {
      releasePartial();
      partialText = f instanceof TextWebSocketFrame;
      partial = ctx.alloc().compositeBuffer(MAX_COMPONENTS);
    } else if (partial == null) {
      return null;
    }
    ByteBuf content = f.content();
    if (partial.readableBytes() + content.readableBytes() > transport.maxMessageSize) {
      releasePartial();
      sendClose(CloseCodes.MESSAGE_TOO_BIG, "message over " + transport.maxMessageSize + " bytes");
      return null;
    }
    partial.addComponent(true, content.retain());
    if (!f.isFinalFragment()) {
      return null;
    }
    ByteBuf whole = partial;
    partial = null;
    return partialText ? new TextWebSocketFrame(true, 0, whole) : new BinaryWebSocketFrame(true, 0, whole);
  }

  private void releasePartial() {
    CompositeByteBuf p = partial;
    if (p != null) {
      partial = null;
      p.release();
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    releasePartial();
    releasePendingPong();
  }

  /** A complete text or binary message. */
  private void onMessage(ChannelHandlerContext ctx, WebSocketFrame msg) {
    if (transport.echo) {
      if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
        ctx.writeAndFlush(msg.retainedDuplicate());
      }
      return;
    }
    if (msg instanceof TextWebSocketFrame) {
      String text = ((TextWebSocketFrame) msg).text();
      if (waiting != null || !session.canWrite()) {
        await(text);
        return;
      }
      onText(text);
    } else if (msg instanceof BinaryWebSocketFrame) {
      sendClose(CloseCodes.UNSUPPORTED_DATA, "binary messages are not supported");
    }
  }

  /** RFC 6455 §5.5.1: answer a close with a close (echoing the code), unless ours went first; then drop TCP. */
  private void onClose(CloseWebSocketFrame frame) {
    if (closing) {
      channel.close();
      return;
    }
    closing = true;
    int code = frame.statusCode();
    CloseWebSocketFrame answer = code < 0 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, "");
    channel.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * Maps decoder failures to close codes. Once the connection is closing (our close frame sent, or Netty's
   * decoder or validator sent one), later failures, typically every further frame of a client that goes on
   * sending after a protocol error, are discarded without logging: at most one log line per connection.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (closing) {
      if (cause instanceof IOException) {
        ctx.close();
      }
      return;
    }
    if (cause instanceof CorruptedFrameException) {
      // Netty's decoder or UTF-8 validator already sent 1002/1007/1009 and closes.
      closing = true;
      ctx.close();
    } else if (cause instanceof TooLongFrameException) {
      sendClose(CloseCodes.MESSAGE_TOO_BIG, "message over " + transport.maxMessageSize + " bytes");
    } else if (cause instanceof DecompressionException && !causedBy(cause, DataFormatException.class)) {
      // Netty's inflater reached the permessageDeflate limit (its only DecompressionException without a
      // DataFormatException for raw DEFLATE).
      sendClose(CloseCodes.MESSAGE_TOO_BIG, "inflated message too big");
    } else if (cause instanceof DecoderException) {
      // Every other decoder failure after the upgrade comes from the permessage-deflate decoder: the data does
      // not inflate (zlib's DataFormatException, or Netty's "cannot read uncompressed buffer"), which is data
      // inconsistent with the message (RFC 6455 §7.4.1).
      sendClose(CloseCodes.INVALID_PAYLOAD, "message does not inflate");
    } else if (cause instanceof IOException) {
      ctx.close();
    } else {
      LOG.warn("WebSocket connection {} failed", channel, LogSafe.throwable(cause));
      sendClose(CloseCodes.INTERNAL_ERROR, "internal error");
    }
  }

  private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
    for (int i = 0; t != null && i < 8; i++, t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  /** Called by {@link WebSocketTransport#close} once the core decided to close the session. */
  void closeFor(CloseReason reason) {
    if (reason == CloseReason.APPLICATION) {
      sendClose(appCloseCode, appCloseReason);
    } else {
      sendClose(WebSocketTransport.closeCode(reason), reasonText(reason));
    }
  }

  private static String reasonText(CloseReason reason) {
    switch (reason) {
      case SERVER_STOPPING:
        return "server stopping";
      case HEARTBEAT_TIMEOUT:
        return "heartbeat timeout";
      case SLOW_CONSUMER:
        return "slow consumer: resume from your last id";
      default:
        return reason.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }
  }

  /**
   * Sends a close frame once, then closes TCP when the client answers (see {@link #onClose}) or after
   * {@link WebSocketTransport#CLOSE_TIMEOUT_MILLIS}. Waiting for the answer, instead of closing at once, keeps
   * the kernel from resetting the connection over unread input, which could destroy the close frame.
   */
  void sendClose(int code, String reason) {
    if (closing) {
      return;
    }
    closing = true;
    Channel ch = channel;
    ch.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(f -> {
      if (!f.isSuccess()) {
        ch.close();
      }
    });
    ch.eventLoop().schedule(() -> {
      ch.close();
    }, WebSocketTransport.CLOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
  }

  // ---- the outbound budget --------------------------------------------------------------------------------
  // A request is served only while its answer fits the connection's outbound budget (Session.canWrite): the
  // channel is writable and no replay is owed. Otherwise it waits here, in order, while the core has stopped
  // reading (autoRead off); what waits is bounded by MAX_WAITING_BYTES, past which the client, which keeps
  // sending requests without reading the answers, is closed with 1008. Pings wait as one pending pong.

  /** Most characters of requests waiting for the client to read its answers; more closes with 1008. */
  static final int MAX_WAITING_BYTES = 64 * 1024;
  /** Requests waiting for {@link Session#canWrite()}, in arrival order; {@code null} when none. */
  private java.util.ArrayDeque<String> waiting;
  private int waitingBytes;
  /** The application data of the latest ping not answered yet (RFC 6455 §5.5.3 allows answering the latest). */
  private ByteBuf pendingPong;

  private void await(String text) {
    int bytes = text.length();
    if (waiting == null) {
      waiting = new java.util.ArrayDeque<>();
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

  private void pong(ChannelHandlerContext ctx, ByteBuf data) {
    if (ctx.channel().isWritable()) {
      ctx.writeAndFlush(new PongWebSocketFrame(data));
      return;
    }
    releasePendingPong();
    pendingPong = data;
  }

  private void releasePendingPong() {
    ByteBuf p = pendingPong;
    if (p != null) {
      pendingPong = null;
      p.release();
    }
  }

  /** The core fires this after its own work for the event (replay, owed resets): serve what waited. */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable() && !closing) {
      ByteBuf p = pendingPong;
      if (p != null) {
        pendingPong = null;
        ctx.writeAndFlush(new PongWebSocketFrame(p));
      }
      Session s = session;
      while (waiting != null && s != null && !closing && s.canWrite()) {
        String text = waiting.pollFirst();
        if (text == null) {
          waiting = null;
          waitingBytes = 0;
          break;
        }
        waitingBytes -= text.length();
        onText(text);
      }
      if (waiting != null && waiting.isEmpty()) {
        waiting = null;
        waitingBytes = 0;
      }
    }
    ctx.fireChannelWritabilityChanged();
  }

  // ---- livepush.v1 ------------------------------------------------------------------------------------

  private void onText(String text) {
    ObjectMapper mapper = transport.context.objectMapper();
    JsonNode node;
    try {
      node = mapper.readTree(text);
    } catch (JsonProcessingException e) {
      sendClose(CloseCodes.INVALID_PAYLOAD, "message is not JSON");
      return;
    }
    if (node == null || !node.isObject()) {
      error("bad-request", "expected a JSON object", null);
      return;
    }
    JsonNode refNode = node.get("ref");
    String ref = null;
    if (refNode != null && !refNode.isNull()) {
      if (!refNode.isTextual() || refNode.asText().length() > MAX_REF_LENGTH) {
        error("bad-request", "ref must be a string of at most " + MAX_REF_LENGTH + " characters", null);
        return;
      }
      ref = refNode.asText();
    }
    JsonNode type = node.get("type");
    if (type == null || !type.isTextual()) {
      error("bad-request", "missing \"type\"", ref);
      return;
    }
    switch (type.asText()) {
      case "subscribe":
        subscribe(node, ref);
        break;
      case "unsubscribe":
        unsubscribe(node, ref);
        break;
      case "message":
        message(node, ref);
        break;
      default:
        error("unknown-type", "unknown type " + WsFrames.quote(truncate(type.asText())), ref);
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
    int max = transport.context.config().maxTopicsPerConnection();
    if (arr.size() > max) {
      error("too-many-topics", "a connection may follow at most " + max + " topics", ref);
      return null;
    }
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (JsonNode t : arr) {
      if (!t.isTextual() || !Topics.isValid(t.asText())) {
        error("bad-request", "invalid topic name " + (t.isTextual() ? WsFrames.quote(truncate(t.asText()))
            : t.toString()), ref);
        return null;
      }
      out.add(t.asText());
    }
    return new ArrayList<>(out);
  }

  private void subscribe(JsonNode node, String ref) {
    List<String> topics = topics(node, ref);
    if (topics == null) {
      return;
    }
    Map<String, EventId> positions = positions(node.get("from"), topics, ref);
    if (positions == null) {
      return;
    }
    Session s = session;
    TransportContext c = transport.context;
    Set<String> current = s.topics();
    int fresh = 0;
    for (String t : topics) {
      if (!current.contains(t)) {
        fresh++;
      }
    }
    int max = c.config().maxTopicsPerConnection();
    if (current.size() + fresh > max) {
      error("too-many-topics", "a connection may follow at most " + max + " topics", ref);
      return;
    }
    for (String t : topics) {
      if (!c.canSubscribe(s.principal(), request(), t)) {
        error("forbidden", "not allowed to follow topic " + WsFrames.quote(t), ref);
        return;
      }
    }
    EventId position = s.subscribe(positions, ref);
    if (fresh == 0) {
      // Nothing new: the core writes no marker, but the client waits for one.
      write(WsFrames.subscribed(topics, position, ref));
    }
  }

  /**
   * The resume position of each of {@code topics} from {@code "from"}: absent or {@code null} (live from now),
   * one position for all (a string: an event id or {@code earliest}), or an object of per-topic positions whose
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
          error("bad-request", "\"from\" names topic " + WsFrames.quote(truncate(e.getKey()))
              + ", which \"topics\" does not list", ref);
          return null;
        }
        JsonNode v = e.getValue();
        if (!v.isNull() && !v.isTextual()) {
          error("bad-request", "\"from\" of topic " + WsFrames.quote(e.getKey())
              + " must be an event id or \"earliest\"", ref);
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
      write(WsFrames.ack(ref));
    }
  }

  private void message(JsonNode node, String ref) {
    WebSocketMessageHandler h = transport.handler;
    if (h == null) {
      error("unsupported", "this endpoint accepts no application messages", ref);
      return;
    }
    JsonNode topic = node.get("topic");
    if (topic != null && !topic.isNull() && !topic.isTextual()) {
      error("bad-request", "\"topic\" must be a string", ref);
      return;
    }
    if (topic != null && topic.isTextual()
        && !transport.context.canPublish(session.principal(), request(), topic.asText())) {
      error("forbidden", "not allowed to publish to topic " + WsFrames.quote(topic.asText()), ref);
      return;
    }
    JsonNode data = node.get("data");
    ClientMessage m = new ClientMessage(topic == null || topic.isNull() ? null : topic.asText(),
        data == null ? NullNode.getInstance() : data, ref, transport.context.objectMapper());
    if (transport.handlerExecutor == null) {
      invoke(h, m);
      return;
    }
    if (wip >= transport.maxPendingMessages) {
      session.close(CloseReason.POLICY_VIOLATION);
      return;
    }
    ConcurrentLinkedQueue<ClientMessage> q = pending;
    if (q == null) {
      q = new ConcurrentLinkedQueue<>();
      pending = q;
    }
    q.add(m);
    if (WIP.getAndIncrement(this) == 0) {
      try {
        transport.handlerExecutor.execute(this::drain);
      } catch (RejectedExecutionException e) {
        LOG.warn("message handler executor rejected a task for {}", channel, e);
        session.close(CloseReason.INTERNAL_ERROR);
      }
    }
  }

  /** Runs queued messages one at a time, in order, on the handler executor. */
  private void drain() {
    do {
      ClientMessage m = pending.poll();
      if (m != null && !closing) {
        invoke(transport.handler, m);
      }
    } while (WIP.decrementAndGet(this) != 0);
  }

  private void invoke(WebSocketMessageHandler h, ClientMessage m) {
    try {
      h.onMessage(this, m);
    } catch (RuntimeException e) {
      LOG.warn("WebSocket message handler failed on {} for {}", m, request(), LogSafe.throwable(e));
      onLoop(() -> closeSession(CloseReason.INTERNAL_ERROR));
    }
  }

  private void closeSession(CloseReason reason) {
    Session s = session;
    if (s != null) {
      s.close(reason);
    } else {
      sendClose(WebSocketTransport.closeCode(reason), "");
    }
  }

  private void error(String code, String message, String ref) {
    write(WsFrames.error(code, message, ref));
  }

  private void write(String json) {
    Session s = session;
    s.write(WsFrames.textFrame(channel.alloc(), json));
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
  public RequestInfo request() {
    Session s = session;
    AdmittedRequest a = admitted;
    return s != null ? s.request() : a != null ? a.request() : null;
  }

  @Override
  public boolean reply(String ref, Object data) {
    String json;
    try {
      json = transport.context.objectMapper().writeValueAsString(data);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("data: cannot serialise (" + e.getOriginalMessage() + ")", e);
    }
    return send(WsFrames.reply(ref, json));
  }

  @Override
  public boolean ack(String ref) {
    return send(WsFrames.ack(ref));
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
      if (closing || !channel.isWritable()) {
        return false;
      }
      write(json);
      return true;
    }
    long size = io.netty.buffer.ByteBufUtil.utf8Bytes(json) + 10L; // + the largest frame header
    if (IN_FLIGHT.getAndAdd(this, size) >= channel.bytesBeforeUnwritable()) {
      IN_FLIGHT.addAndGet(this, -size);
      return false;
    }
    try {
      channel.eventLoop().execute(() -> {
        IN_FLIGHT.addAndGet(this, -size);
        Session s = session;
        if (s != null && !closing) {
          write(json);
        }
      });
    } catch (RejectedExecutionException e) {
      IN_FLIGHT.addAndGet(this, -size);
      return false;
    }
    return true;
  }

  private static final java.util.concurrent.atomic.AtomicLongFieldUpdater<WsHandler> IN_FLIGHT =
      java.util.concurrent.atomic.AtomicLongFieldUpdater.newUpdater(WsHandler.class, "inFlight");
  /** Reply bytes handed over by other threads and not yet written (field updater: idle memory). */
  private volatile long inFlight;

  @Override
  public EventId publish(String topic, Event event) {
    return transport.context.publish(topic, event);
  }

  @Override
  public java.util.concurrent.CompletableFuture<EventId> publishAsync(String topic, Event event) {
    return transport.context.publishAsync(topic, event);
  }

  @Override
  public void close(int code, String reason) {
    CloseCodes.validate(code, reason);
    onLoop(() -> {
      if (closing) {
        return;
      }
      appCloseCode = code;
      appCloseReason = reason == null ? "" : reason;
      Session s = session;
      if (s != null) {
        s.close(CloseReason.APPLICATION);
      } else {
        sendClose(code, appCloseReason);
      }
    });
  }

  @Override
  public boolean isOpen() {
    return !closing && session != null && channel.isActive();
  }

  @Override
  public String toString() {
    return "WebSocketConnection{id=" + id() + ", request=" + request() + '}';
  }
}
