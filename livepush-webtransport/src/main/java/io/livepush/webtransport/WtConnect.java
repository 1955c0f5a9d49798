package io.livepush.webtransport;

import io.livepush.AuthenticationException;
import io.livepush.CapacityExceededException;
import io.livepush.LivePushException;
import io.livepush.spi.AdmittedRequest;
import io.livepush.spi.LogSafe;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/3 CONNECT request stream ({@link H3RequestStream} sends it here): a WebTransport session's CONNECT
 * (draft-ietf-webtrans-http3 §3: extended CONNECT, RFC 9220, with {@code :protocol = webtransport}), or any other
 * CONNECT, which gets an error status. A CONNECT
 * passes the path, the {@code Origin} check and the core's admission stage on this stream, is answered
 * {@code 200}, and then waits for the bidirectional stream the client opens for the session
 * ({@link WtSessionStream}), which opens the core's session. The session ends when either stream ends: this one
 * sends CLOSE_WEBTRANSPORT_SESSION and FIN. Capsules the client sends are parsed ({@link WtCapsules}: its close
 * capsule ends the session, a malformed sequence resets the stream with H3_MESSAGE_ERROR, others are skipped),
 * so they hold no memory beyond QUIC's stream window. Event loop only.
 */
final class WtConnect extends Http3RequestStreamInboundHandler {
  private static final Logger LOG = LoggerFactory.getLogger(WtConnect.class);
  /** CLOSE_WEBTRANSPORT_SESSION capsule type (draft-ietf-webtrans-http3 §6). */
  static final long CLOSE_WEBTRANSPORT_SESSION = WtCapsules.CLOSE_WEBTRANSPORT_SESSION;
  /** Longest reason a close capsule carries (draft-ietf-webtrans-http3 §6: 1024 bytes). */
  private static final int MAX_CLOSE_REASON_BYTES = WtCapsules.MAX_CLOSE_REASON_BYTES;

  private final WebTransportTransport transport;
  private QuicStreamChannel channel;
  private WtConnection connection;
  /** The admitted request until the session's stream opens the session; {@code null} otherwise. */
  private AdmittedRequest admitted;
  /** The session's livepush.v1 stream once the client opened it. */
  private WtSessionStream stream;
  private boolean headersSeen;
  private boolean established;
  private boolean ended;
  /** The client's capsules on this stream. */
  private final WtCapsules capsules = new WtCapsules();

  WtConnect(WebTransportTransport transport) {
    this.transport = transport;
  }

  QuicStreamChannel channel() {
    return channel;
  }

  long sessionId() {
    return channel.streamId();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = (QuicStreamChannel) ctx.channel();
    connection = channel.parent().pipeline().get(WtConnection.class);
  }

  @Override
  protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
    try {
      if (headersSeen) {
        return; // trailers: nothing in them matters
      }
      headersSeen = true;
      onConnect(frame.headers());
    } finally {
      ReferenceCountUtil.release(frame);
    }
  }

  private void onConnect(Http3Headers h) {
    CharSequence protocol = h.protocol();
    String target = h.path() == null ? "" : h.path().toString();
    if (!H3RequestStream.isRequestTarget(target)) {
      // RFC 9114 §4.1.2 / RFC 9110 §5.5: NUL, CR, LF or other octets no HTTP/1.1 request line can carry make the
      // request malformed; HTTP/1.1 and HTTP/2 refuse them in their codecs, so the application never sees them.
      refuse(400, "malformed :path");
      return;
    }
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    if (!transport.paths.contains(path)) {
      refuse(404, "no WebTransport endpoint at this path");
      return;
    }
    if (protocol == null || !"webtransport".contentEquals(protocol)) {
      refuse(501, "only :protocol webtransport is supported here");
      return;
    }
    CharSequence origin = h.get(HttpHeaderNames.ORIGIN);
    CharSequence authority = h.authority();
    if (!transport.origins.allows(origin == null ? null : origin.toString(),
        authority == null ? null : authority.toString())) {
      refuse(403, "origin not allowed");
      return;
    }
    if (connection == null || !connection.hasRoom()) {
      refuse(429, "too many WebTransport sessions on this connection");
      return;
    }
    FullHttpRequest request = toRequest(h, target);
    InetSocketAddress client = (InetSocketAddress) ((QuicChannel) channel.parent()).remoteSocketAddress();
    connection.register(sessionId(), this);
    try {
      transport.context.admit(channel, client, request, null).whenComplete((a, e) -> {
        if (e != null) {
          connection.unregister(sessionId(), this);
          Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          if (!(cause instanceof ClosedChannelException)) {
            refuse(status(cause), cause.getMessage());
          }
          return;
        }
        if (ended || !channel.isActive()) {
          a.release();
          return;
        }
        admitted = a;
        accept(h);
      });
    } finally {
      request.release();
    }
  }

  /** The CONNECT as the HTTP/1.1-shaped request the core's admission stage and the application read. */
  private FullHttpRequest toRequest(Http3Headers h, String target) {
    FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.CONNECT, target,
        Unpooled.EMPTY_BUFFER);
    for (Map.Entry<CharSequence, CharSequence> e : h) {
      if (e.getKey().length() > 0 && e.getKey().charAt(0) != ':') {
        r.headers().add(e.getKey(), e.getValue());
      }
    }
    if (h.authority() != null) {
      r.headers().set(HttpHeaderNames.HOST, h.authority());
    }
    return r;
  }

  private static int status(Throwable cause) {
    if (cause instanceof AuthenticationException) {
      return ((AuthenticationException) cause).httpStatus();
    }
    if (cause instanceof CapacityExceededException) {
      return 503;
    }
    if (cause instanceof LivePushException) {
      return ((LivePushException) cause).httpStatus();
    }
    LOG.warn("WebTransport admission failed on {}", channel0(cause), LogSafe.throwable(cause));
    return 500;
  }

  private static String channel0(Throwable cause) {
    return cause.getClass().getSimpleName();
  }

  private void accept(Http3Headers request) {
    established = true;
    Http3HeadersFrame ok = new DefaultHttp3HeadersFrame();
    ok.headers().status("200");
    if (request.contains("sec-webtransport-http3-draft02")) {
      ok.headers().set("sec-webtransport-http3-draft", "draft02"); // the version Chromium's draft-02 checks
    }
    channel.writeAndFlush(ok);
    WtSessionStream s = stream;
    if (s != null) {
      open(s);
    }
  }

  /** The client opened the session's livepush.v1 stream (before or after the 200). */
  void attach(WtSessionStream s) {
    if (stream != null || ended) {
      s.refuse(); // one livepush.v1 stream per session
      return;
    }
    stream = s;
    s.attachedTo(this);
    if (established) {
      open(s);
    }
  }

  private void open(WtSessionStream s) {
    AdmittedRequest a = admitted;
    admitted = null;
    if (a != null) {
      s.start(a);
    }
  }

  private void refuse(int status, String reason) {
    if (ended) {
      return;
    }
    ended = true;
    H3RequestStream.answer(channel, status, reason);
  }

  /** Capsules (RFC 9297 §3.2) in DATA frames: parsed as they come, nothing kept but one header and a reason. */
  @Override
  protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
    try {
      if (ended) {
        return; // the session is over: nothing the client says changes it
      }
      switch (capsules.read(frame.content())) {
        case CLOSE -> clientClosed();
        case MALFORMED -> malformed();
        default -> { }
      }
    } finally {
      ReferenceCountUtil.release(frame);
    }
  }

  /**
   * The client's CLOSE_WEBTRANSPORT_SESSION: the session ends, and this side's send direction closes
   * (draft-ietf-webtrans-http3 §6); the livepush.v1 stream gets FIN.
   */
  private void clientClosed() {
    LOG.debug("WebTransport session {} closed by the client with code {}", channel, capsules.closeCode());
    ended = true;
    release();
    channel.shutdownOutput();
    WtSessionStream s = stream;
    if (s != null) {
      s.connectGone();
    }
  }

  /** A malformed capsule, or bytes after the close: the stream is reset with H3_MESSAGE_ERROR, the session ends. */
  private void malformed() {
    ended = true;
    release();
    WtSessionStream.reset(channel, WtErrors.H3_MESSAGE_ERROR);
    WtSessionStream s = stream;
    if (s != null) {
      s.connectGone();
    }
  }

  /** The client ended the session (its CLOSE_WEBTRANSPORT_SESSION, then FIN). */
  @Override
  protected void channelInputClosed(ChannelHandlerContext ctx) {
    if (!ended && capsules.midCapsule()) {
      malformed(); // RFC 9297 §3.3: a stream that ends inside a capsule is a malformed message
      return;
    }
    end(0, "");
    WtSessionStream s = stream;
    if (s != null) {
      s.connectGone();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    ended = true;
    release();
    WtSessionStream s = stream;
    if (s != null) {
      s.connectGone();
    }
    ctx.fireChannelInactive();
  }

  private void release() {
    if (connection != null) {
      connection.unregister(sessionId(), this);
    }
    AdmittedRequest a = admitted;
    if (a != null) {
      admitted = null;
      a.release();
    }
  }

  /**
   * Ends the session from the server: CLOSE_WEBTRANSPORT_SESSION with {@code code} and {@code reason}
   * (draft-ietf-webtrans-http3 §5), then FIN. The livepush.v1 stream is its caller's to close. Idempotent.
   *
   * @param code the application error code (livepush sends WebSocket close codes)
   * @param reason UTF-8, cut at 1024 bytes
   */
  void end(int code, String reason) {
    if (ended) {
      return;
    }
    ended = true;
    release();
    if (!channel.isActive()) {
      return;
    }
    if (!established) {
      channel.shutdownOutput();
      return;
    }
    byte[] text = reason.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(text.length, MAX_CLOSE_REASON_BYTES);
    ByteBuf capsule = channel.alloc().buffer(16 + n);
    Varints.write(capsule, CLOSE_WEBTRANSPORT_SESSION);
    Varints.write(capsule, 4 + n);
    capsule.writeInt(code);
    capsule.writeBytes(text, 0, n);
    channel.writeAndFlush(new DefaultHttp3DataFrame(capsule)).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
  }

  /**
   * A field the codecs refuse makes the CONNECT malformed (RFC 9114 §4.1.2, §4.2). Names that are not tokens and
   * values with CR, LF or NUL never get here ({@link H3RequestStream} answered 400 before adding this handler); a
   * section Netty's codec refuses later (trailers) has already reset the stream with H3_MESSAGE_ERROR: the stream is
   * closed. Any other failure is answered with 400 while no answer was sent yet, as HTTP/1.1 and HTTP/2 answer. The
   * cause may quote the client's bytes, so it is logged through LogSafe.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("WebTransport CONNECT stream {} failed", ctx.channel(), LogSafe.throwable(cause));
    if (!ended && !established && ctx.channel().isActive()
        && !(cause instanceof io.netty.handler.codec.http3.Http3HeadersValidationException)) {
      refuse(400, "malformed request");
    } else {
      ctx.close();
    }
  }

  Channel parent() {
    return channel.parent();
  }
}
