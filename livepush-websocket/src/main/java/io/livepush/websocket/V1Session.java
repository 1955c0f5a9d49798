package io.livepush.websocket;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.livepush.CloseReason;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.Principal;
import io.livepush.RequestInfo;
import io.livepush.spi.AdmittedRequest;
import io.livepush.spi.Session;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * The livepush.v1 protocol of one connection, independent of how its messages are framed: complete text
 * messages in ({@link #onText}), actions on the core's {@link Session} and answers out through the transport's
 * framing ({@link #encodeText}). {@code WebSocketTransport}'s handler frames them as RFC 6455 text frames;
 * livepush-webtransport's as length-prefixed messages on a WebTransport stream. Both extend this class and run
 * this same code, so subscribe, resume, {@code reset}, errors and application messages behave the same on every
 * transport (docs/protocol.md, "Messages").
 *
 * <p>For transport authors, not for applications (who see it as the {@link WebSocketConnection} handed to their
 * {@link WebSocketMessageHandler}). It is the transport's channel handler itself, so that an idle connection costs
 * one object (issue 18); the per-transport logic is shared in a {@link V1Protocol}.
 *
 * <h2>Threading</h2>
 * Every method except those of {@link WebSocketConnection} runs on the connection's event loop
 * ({@link #channel()}'s) and never blocks; the {@link WebSocketConnection} methods are safe from any thread.
 *
 * <h2>Bounds</h2>
 * A message is handled only while its answer fits the connection's outbound budget ({@link Session#canWrite});
 * otherwise it waits, in order, while the core has stopped reading. At most {@value #MAX_WAITING_BYTES}
 * characters of messages wait so; one more closes the session with {@link CloseReason#POLICY_VIOLATION}. Messages
 * that arrive while an earlier one waits for a callback (the authorizer, the message handler) wait too, at most
 * {@code maxPendingMessages} including the one in flight; one more closes with
 * {@link CloseReason#POLICY_VIOLATION}.
 */
public abstract class V1Session extends ChannelDuplexHandler implements WebSocketConnection {
  // One idea per class: V1Requests decides what a message asks for, V1Inbox when it is handled (both stateless,
  // in V1Protocol); this class keeps the connection's state, the answers out (within the budget) and the
  // application's side.
  /** Longest {@code ref} echoed back, in characters; a longer one is a bad request. */
  public static final int MAX_REF_LENGTH = 256;
  /** Most characters of requests waiting for the client to read its answers; more closes the session. */
  public static final int MAX_WAITING_BYTES = 64 * 1024;
  /** Upper bound of the framing overhead of one message, counted for replies handed over from other threads. */
  private static final int MAX_FRAME_OVERHEAD = 10;
  /** Each thread's strict UTF-8 decoder (transports decode client messages on their event loops). */
  private static final FastThreadLocal<CharsetDecoder> STRICT_UTF8 = new FastThreadLocal<>() {
    @Override
    protected CharsetDecoder initialValue() {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
    }
  };

  private final V1Protocol protocol;
  /** The admitted request until the session exists (or the channel closes); then {@code null}. */
  private volatile AdmittedRequest admitted;
  private volatile Session session;
  private int appCloseCode = CloseCodes.NORMAL;
  private String appCloseReason = "";
  /** The client's last {@code "datagrams"} in a subscribe (set by {@link V1Requests}). */
  boolean datagrams;
  // V1Inbox's state (loop only; the queues are created on first use: idle memory matters).
  /**
   * Messages that arrived while an earlier one waits for a callback (authorizer, handler), handled in order once
   * it is done; at most maxPendingMessages.
   */
  ArrayDeque<String> queued;
  /** A message is waiting for a callback; later ones go to {@link #queued}. */
  boolean busy;
  /** Requests waiting for {@link Session#canWrite()}, in arrival order; {@code null} when none. */
  ArrayDeque<String> waiting;
  int waitingBytes;

  private static final AtomicLongFieldUpdater<V1Session> IN_FLIGHT =
      AtomicLongFieldUpdater.newUpdater(V1Session.class, "inFlight");
  /** Reply bytes handed over by other threads and not yet written (field updater: idle memory). */
  private volatile long inFlight;

  /**
   * Creates the protocol state of one connection, before its session opens.
   *
   * @param protocol the transport's shared part of livepush.v1
   * @param admitted the admitted request, held until {@link #open} (for {@link #principal()} and
   *     {@link #request()} meanwhile) and released by {@link #discard()} if the channel closes first;
   *     {@code null} when none
   * @throws NullPointerException if {@code protocol} is {@code null}
   */
  protected V1Session(V1Protocol protocol, AdmittedRequest admitted) {
    this.protocol = Objects.requireNonNull(protocol, "protocol");
    this.admitted = admitted;
  }

  // ---- the transport's side --------------------------------------------------------------------------------

  /**
   * The channel of the session (the one given to {@link AdmittedRequest#openSession}). Called on the loop.
   *
   * @return the channel; constant once the handler was added; never {@code null} then
   */
  protected abstract Channel channel();

  /**
   * Frames one server message. Called on the loop.
   *
   * @param alloc the allocator to use
   * @param json the complete JSON message (UTF-8 when encoded)
   * @return the framed message, whose single reference passes to the caller (which writes it)
   */
  protected abstract ByteBuf encodeText(ByteBufAllocator alloc, String json);

  /**
   * Ends the connection for a protocol-level failure with the transport's goodbye: a message that is not
   * JSON ({@link CloseCodes#INVALID_PAYLOAD}), a full executor ({@link CloseCodes#TRY_AGAIN_LATER}), or an
   * application close before the session opened. Called on the loop, at most as often as the protocol fails;
   * the transport ignores calls after its own goodbye.
   *
   * @param code a WebSocket close code ({@link CloseCodes}); transports map it to their own error codes
   * @param reason a short reason, at most 123 UTF-8 bytes
   */
  protected abstract void closeTransport(int code, String reason);

  /**
   * The calling thread's strict UTF-8 decoder, reset: it reports (does not replace) what RFC 3629 forbids
   * (malformed and overlong sequences, surrogates, code points above U+10FFFF), as RFC 6455 §8.1 requires of a
   * text message (1007 otherwise). For a transport decoding a client message: use it within one call on the
   * calling thread, never across calls or threads. Any thread; never blocks.
   *
   * @return the decoder, reset; shared by every caller on this thread
   */
  protected static CharsetDecoder strictUtf8() {
    return STRICT_UTF8.get().reset();
  }

  /**
   * Whether the transport is closing (its goodbye is sent or the channel is closed): no more messages are
   * handled. May be called from any thread.
   *
   * @return {@code true} once closing; never becomes {@code false} again
   */
  protected abstract boolean isClosing();

  /**
   * Opens the core's session on {@link #channel()} with {@code request}; messages are handled from now on.
   *
   * @param request the admitted request; its slot passes to the session
   * @return the opened session
   * @throws IllegalStateException if a session is open already (see {@link AdmittedRequest#openSession})
   */
  public Session open(AdmittedRequest request) {
    if (session != null) {
      throw new IllegalStateException("session already open");
    }
    Session s = request.openSession(channel());
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
   * its answer fits the outbound budget. Ignored before {@link #open} and once the transport is closing.
   *
   * @param text the message as received
   */
  public void onText(String text) {
    protocol.inbox.onText(this, text);
  }

  /**
   * The channel became writable (the core fires this after its own work for the event: replay, owed resets):
   * serves the messages that waited while they fit.
   */
  public void onWritable() {
    protocol.inbox.onWritable(this);
  }

  /** The channel closed: drops what waits and releases an admitted request not opened. Idempotent. */
  public void discard() {
    AdmittedRequest a = admitted;
    if (a != null && session == null) {
      admitted = null;
      a.release();
    }
    protocol.inbox.discard(this);
  }

  /**
   * The admitted request held until {@link #open}.
   *
   * @return it, or {@code null} when none was given or the session opened
   */
  protected AdmittedRequest admitted() {
    return admitted;
  }

  // ---- for V1Requests and V1Inbox (package-private: the split is an implementation detail) ----------------

  /** Ends the session with {@code reason}; before it opened, the transport's goodbye. */
  void closeSession(CloseReason reason) {
    Session s = session;
    if (s != null) {
      s.close(reason);
    } else {
      closeTransport(CloseCodes.of(reason), "");
    }
  }

  /** Writes and flushes one server message on the loop; the session is open. */
  void write(String json) {
    Session s = session;
    s.write(encodeText(channel().alloc(), json));
    s.flush();
  }

  /** Runs {@code r} on the connection's event loop: now when already there. */
  void onLoop(Runnable r) {
    Channel channel = channel();
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
      json = protocol.context.objectMapper().writeValueAsString(data);
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
    Channel channel = channel();
    if (channel.eventLoop().inEventLoop()) {
      if (isClosing() || !channel.isWritable()) {
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
        if (session != null && !isClosing()) {
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
    return protocol.context.publish(topic, event);
  }

  @Override
  public CompletableFuture<EventId> publishAsync(String topic, Event event) {
    return protocol.context.publishAsync(topic, event);
  }

  @Override
  public void close(int code, String reason) {
    CloseCodes.validate(code, reason);
    onLoop(() -> {
      if (isClosing()) {
        return;
      }
      appCloseCode = code;
      appCloseReason = reason == null ? "" : reason;
      Session s = session;
      if (s != null) {
        s.close(CloseReason.APPLICATION);
      } else {
        closeTransport(code, appCloseReason);
      }
    });
  }

  @Override
  public boolean isOpen() {
    return !isClosing() && session != null && channel().isActive();
  }

  /**
   * Describes the connection for logs: its id and request (whose values are neutralised by their own
   * {@code toString}).
   *
   * @return the description
   */
  @Override
  public String toString() {
    return "WebSocketConnection{id=" + id() + ", request=" + request() + '}';
  }
}
