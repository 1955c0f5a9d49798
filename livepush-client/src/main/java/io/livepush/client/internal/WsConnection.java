package io.livepush.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livepush.client.ClientConfig;
import io.livepush.client.EventTooLargeException;
import io.livepush.client.PushEvent;
import io.livepush.client.Reset;
import io.livepush.client.ServerClosedException;
import io.livepush.client.StreamProtocolException;
import io.livepush.client.SubscriptionRefusedException;
import io.livepush.client.UnexpectedResponseException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One WebSocket (RFC 6455) speaking livepush.v1: after the handshake it sends one {@code subscribe} with every
 * topic and {@code from} (docs/protocol.md), then reads one message at a time ({@code WebSocket.request(1)}) while
 * the engine's queue has room. Position: the ids of {@code event}, {@code subscribed} and {@code reset} (livepush
 * gives a reset the position every topic of the connection is complete up to).
 */
final class WsConnection implements Connection, WebSocket.Listener {
  static final String PROTOCOL = "livepush.v1";
  private static final AtomicLong REFS = new AtomicLong();

  private final ClientEngine engine;
  private final ClientConfig config;
  private final ObjectMapper mapper;
  private final String ref = "lp" + REFS.incrementAndGet();
  private WebSocket ws;
  private boolean requested = true; // waiting for the handshake
  private boolean aborted;
  private boolean subscribed;
  private boolean pinging; // a probe ping is being written
  private StringBuilder text;
  private ByteArrayOutputStream binary;
  private long partBytes;

  WsConnection(ClientEngine engine) {
    this.engine = engine;
    this.config = engine.config();
    this.mapper = config.objectMapper();
  }

  @Override
  public void open(String position) {
    WebSocket.Builder b = engine.http().newWebSocketBuilder()
        .subprotocols(PROTOCOL)
        .connectTimeout(config.connectTimeout());
    for (Map.Entry<String, String> h : config.headers().entrySet()) {
      b.header(h.getKey(), h.getValue());
    }
    if (config.authorization() != null) {
      b.header("Authorization", ClientEngine.authorization(config));
    }
    b.buildAsync(uri(), this).whenComplete((socket, t) -> engine.execute(() -> {
      if (t != null) {
        handshakeFailed(t);
      } else if (aborted) {
        socket.abort();
      } else {
        started(socket, position);
      }
    }));
  }

  private URI uri() {
    URI base = config.webSocketUri();
    if (config.ticket() == null) {
      return base;
    }
    String s = base.toString();
    String q = config.ticketParameter() + "=" + URLEncoder.encode(config.ticket().get(), StandardCharsets.UTF_8);
    return URI.create(s + (base.getRawQuery() == null ? "?" : "&") + q);
  }

  private void started(WebSocket socket, String position) {
    ws = socket;
    ObjectNode sub = mapper.createObjectNode().put("type", "subscribe");
    ArrayNode topics = sub.putArray("topics");
    config.topics().forEach(topics::add);
    if (position != null) {
      sub.put("from", position);
    } else if (config.since() != null) {
      sub.put("from", config.since().toString()); // resume by time until the first position
    }
    sub.put("ref", ref);
    socket.sendText(sub.toString(), true).whenComplete((w, t) -> {
      if (t != null) {
        engine.execute(() -> fail(t));
      }
    });
    requested = false;
    requestMore();
  }

  private void handshakeFailed(Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    long retryAfter = -1;
    if (cause instanceof WebSocketHandshakeException h) {
      int status = h.getResponse().statusCode();
      retryAfter = Backoff.retryAfterMillis(h.getResponse().headers());
      cause = new UnexpectedResponseException(status, "WebSocket handshake answered HTTP " + status + " by "
          + Urls.redact(config.webSocketUri()));
    }
    abort(false);
    engine.failed(this, cause, retryAfter);
  }

  private void fail(Throwable cause) {
    abort(false);
    engine.failed(this, cause, -1);
  }

  private void requestMore() {
    if (!requested && !aborted && ws != null && engine.hasRoom()) {
      requested = true;
      engine.touch();
      ws.request(1);
    }
  }

  @Override
  public void resumeReading() {
    requestMore();
  }

  @Override
  public boolean awaitingInput() {
    return requested && !aborted;
  }

  /**
   * Probes a silent connection with a ping. The JDK does not always report a TCP connection closed under an idle
   * WebSocket (seen on JDK 17 behind a proxy that closes both sides); writing to it fails within a probe or two,
   * long before the heartbeat timeout. The server counts the ping as input, and answers with a pong.
   */
  @Override
  public void idle(long silentNanos) {
    if (pinging || aborted || ws == null) {
      return;
    }
    pinging = true;
    ws.sendPing(ByteBuffer.allocate(0)).whenComplete((w, t) -> engine.execute(() -> {
      pinging = false;
      if (t != null && !aborted) {
        fail(t);
      }
    }));
  }

  @Override
  public void abort(boolean graceful) {
    if (aborted) {
      return;
    }
    aborted = true;
    WebSocket w = ws;
    if (w == null) {
      return;
    }
    if (graceful) {
      w.sendClose(WebSocket.NORMAL_CLOSURE, "client closed").whenComplete((x, t) -> w.abort());
    } else {
      w.abort();
    }
  }

  // ---- WebSocket.Listener: HttpClient threads; each call used up one request(1) -------------------------------

  @Override
  public void onOpen(WebSocket webSocket) {
    // No request yet: started() subscribes and asks for the first message on the client's thread.
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    engine.touch();
    String part = data.toString(); // the CharSequence is only valid until this method returns
    engine.execute(() -> {
      requested = false;
      if (aborted) {
        return;
      }
      if (!count(utf8Length(part))) {
        return;
      }
      if (text == null) {
        text = new StringBuilder(part.length());
      }
      text.append(part);
      if (last) {
        String message = text.toString();
        text = null;
        partBytes = 0;
        onMessage(message);
      }
      requestMore();
    });
    return null;
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    engine.touch();
    byte[] part = new byte[data.remaining()];
    data.get(part);
    engine.execute(() -> {
      requested = false;
      if (aborted || !count(part.length)) {
        return;
      }
      if (binary == null) {
        binary = new ByteArrayOutputStream(part.length);
      }
      binary.writeBytes(part);
      if (last) {
        byte[] message = binary.toByteArray();
        binary = null;
        partBytes = 0;
        onBinaryEvent(message);
      }
      requestMore();
    });
    return null;
  }

  @Override
  public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
    return control(); // the JDK answers with a pong itself
  }

  @Override
  public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
    return control();
  }

  private CompletionStage<?> control() {
    engine.touch();
    engine.execute(() -> {
      requested = false;
      requestMore();
    });
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    engine.touch();
    engine.execute(() -> {
      if (!aborted) {
        fail(new ServerClosedException(statusCode, printable(reason)));
      }
    });
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    engine.execute(() -> {
      if (!aborted) {
        fail(error);
      }
    });
  }

  // ---- on the client's thread ---------------------------------------------------------------------------------

  /** Counts a message part against maxEventBytes; {@code false} (and the connection failed) when over. */
  private boolean count(long bytes) {
    partBytes += bytes;
    if (partBytes > config.maxEventBytes()) {
      fail(new EventTooLargeException("a WebSocket message is larger than " + config.maxEventBytes() + " bytes",
          config.maxEventBytes()));
      return false;
    }
    return true;
  }

  private void onMessage(String message) {
    JsonNode msg;
    try {
      msg = mapper.readTree(message);
    } catch (IOException e) {
      fail(new StreamProtocolException("a livepush.v1 message is not JSON", e));
      return;
    }
    if (msg == null || !msg.isObject() || !msg.path("type").isTextual()) {
      fail(new StreamProtocolException("a livepush.v1 message is not an object with a type"));
      return;
    }
    switch (msg.get("type").textValue()) {
      case "event" -> {
        String id = text(msg, "id");
        JsonNode data = msg.has("data") ? msg.get("data") : NullNode.getInstance();
        PushEvent e = PushEvent.json(text(msg, "topic"), id, text(msg, "event"), data, mapper);
        engine.deliver(this, e, id != null ? id : engine.wirePosition());
      }
      case "subscribed" -> {
        String id = text(msg, "id");
        if (id != null) {
          engine.position(this, id);
        }
        if (!subscribed && ref.equals(text(msg, "ref"))) {
          subscribed = true;
          engine.opened(this);
        }
      }
      case "reset" -> {
        String topic = text(msg, "topic");
        String reason = text(msg, "reason");
        if (topic == null || reason == null) {
          fail(new StreamProtocolException("a reset without topic or reason"));
          return;
        }
        String id = text(msg, "id");
        String after = id != null ? id : engine.wirePosition(); // every topic is complete up to a reset's id
        engine.deliver(this, new Reset(topic, reason, id), after);
      }
      case "error" -> {
        if (ref.equals(text(msg, "ref"))) {
          fail(new SubscriptionRefusedException(printable(text(msg, "code")), printable(text(msg, "message"))));
        } else {
          ClientEngine.LOG.log(System.Logger.Level.WARNING, "livepush server error: "
              + printable(text(msg, "code")));
        }
      }
      default -> {
        // reply, ack, or a type from a newer server: nothing to do for a follower
      }
    }
  }

  /** A binary event: 2-byte big-endian header length, UTF-8 JSON header, payload (docs/protocol.md). */
  private void onBinaryEvent(byte[] frame) {
    int n = frame.length >= 2 ? (frame[0] & 0xff) << 8 | frame[1] & 0xff : -1;
    if (n < 0 || 2 + n > frame.length) {
      fail(new StreamProtocolException("a binary message shorter than its header"));
      return;
    }
    JsonNode header;
    try {
      header = mapper.readTree(new String(frame, 2, n, StandardCharsets.UTF_8));
    } catch (IOException e) {
      fail(new StreamProtocolException("a binary event header is not JSON", e));
      return;
    }
    if (header == null || !header.isObject()) {
      fail(new StreamProtocolException("a binary event header is not an object"));
      return;
    }
    byte[] payload = java.util.Arrays.copyOfRange(frame, 2 + n, frame.length);
    String id = text(header, "id");
    PushEvent e = PushEvent.binary(text(header, "topic"), id, text(header, "event"), payload, mapper);
    engine.deliver(this, e, id != null ? id : engine.wirePosition());
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.isTextual() ? v.textValue() : null;
  }

  private static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3; // a surrogate pair counts 4
    }
    return n;
  }

  /** Server strings neutralised for logs and exception messages: printable ASCII, at most 128 characters. */
  static String printable(String s) {
    if (s == null) {
      return null;
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), 128));
    for (int i = 0; i < s.length() && b.length() < 128; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return b.toString();
  }
}
