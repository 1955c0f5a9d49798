package io.livepush.webtransport;

import io.livepush.LivePushConfig;
import io.livepush.spi.HttpFields;
import io.livepush.spi.LogSafe;
import io.livepush.spi.PipelineNames;
import io.livepush.spi.ServerListener;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3FrameToHttpObjectCodec;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersValidationException;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of every HTTP/3 request stream (RFC 9114 §4.1), after Netty's frame codec: reads the request's
 * header section and sends the stream where it belongs. Extended CONNECTs (and any CONNECT) go to {@link WtConnect}
 * (WebTransport sessions); every other request is served like one on an HTTP/2 stream: {@link H3StreamBytes}, then
 * Netty's {@link Http3FrameToHttpObjectCodec} as {@code livepush.httpCodec}, then the core's request handlers
 * ({@link ServerListener#serveRequests}), so SSE, long-polling, the application's {@code HttpService}s and the
 * router's answers work unchanged, behind the same admission stage and limits.
 *
 * <p>Checked first, for every request, with a status on this stream rather than a connection error: a header
 * section larger than the server's {@code maxHeaderBytes} (as RFC 9114 §4.2.2 sizes it: names, values and 32 per
 * field) gets 431; a {@code :path} longer than {@code maxInitialLineBytes} gets 414; a {@code :method} that is not
 * a token, a {@code :path} that is not an origin-form target of visible ASCII, a field name that is not a token
 * or a field value with a control character (CR, LF, NUL: RFC 9114 §4.2, RFC 9110 §5.1, §5.5) get 400 — all as
 * HTTP/1.1 and HTTP/2 answer them (a {@code Host} that contradicts {@code :authority}, RFC 9114 §4.3.1,
 * upper-case names and misplaced or missing pseudo-headers are Netty's decoder's to refuse: the stream is reset
 * with H3_MESSAGE_ERROR). After such an answer the rest of the request is refused with STOP_SENDING (H3_NO_ERROR,
 * §4.1). Header sections beyond the codec's bound (the
 * {@code SETTINGS_MAX_FIELD_SECTION_SIZE} the listener advertises) are Netty's connection error, as on HTTP/2
 * far beyond the limit. A stream whose header section does not arrive within the server's
 * {@code requestHeaderTimeout} is reset with H3_REQUEST_INCOMPLETE (slow-loris). Per stream, on its loop.
 */
final class H3RequestStream extends Http3RequestStreamInboundHandler {
  private static final Logger LOG = LoggerFactory.getLogger(H3RequestStream.class);
  /** RFC 9114 §4.2.2: each field counts 32 bytes besides its name and value. */
  private static final int FIELD_OVERHEAD = 32;

  private final WebTransportTransport transport;
  private final ServerListener server;
  private Future<?> deadline;
  /** An error was answered: what the client still sends is dropped. */
  private boolean refused;

  H3RequestStream(WebTransportTransport transport, ServerListener server) {
    this.transport = transport;
    this.server = server;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    long timeout = transport.context.config().requestHeaderTimeout().toNanos();
    if (timeout > 0) {
      deadline = ctx.executor().schedule(() -> WtSessionStream.reset((QuicStreamChannel) ctx.channel(),
          WtErrors.H3_REQUEST_INCOMPLETE), timeout, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancelDeadline();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelDeadline();
    ctx.fireChannelInactive();
  }

  private void cancelDeadline() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }

  @Override
  protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
    if (refused) {
      ReferenceCountUtil.release(frame);
      return;
    }
    cancelDeadline();
    QuicStreamChannel channel = (QuicStreamChannel) ctx.channel();
    Http3Headers h = frame.headers();
    int status = check(h, transport.context.config());
    if (status != 0) {
      ReferenceCountUtil.release(frame);
      refused = true;
      answer(channel, status, status == 431 ? "request header fields too large"
          : status == 414 ? "request target too long" : "malformed request")
          .addListener(f -> channel.shutdownInput(WtErrors.H3_NO_ERROR));
      return;
    }
    ChannelPipeline p = ctx.pipeline();
    if (HttpMethod.CONNECT.name().contentEquals(h.method())) {
      p.addAfter(ctx.name(), null, new WtConnect(transport)); // WebTransport, or the error it answers
    } else {
      p.addAfter(ctx.name(), H3StreamBytes.NAME, new H3StreamBytes());
      p.addAfter(H3StreamBytes.NAME, PipelineNames.HTTP_CODEC, new Http3FrameToHttpObjectCodec(true, true));
      server.serveRequests(channel, (InetSocketAddress) ((QuicChannel) channel.parent()).remoteSocketAddress());
    }
    ctx.fireChannelRead(frame); // to the handlers just added; later frames reach them directly
    p.remove(this);
  }

  @Override
  protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
    ReferenceCountUtil.release(frame); // only after an error's answer: DATA before HEADERS is Netty's error
  }

  @Override
  protected void channelInputClosed(ChannelHandlerContext ctx) {
    if (!refused) {
      ctx.close(); // the client ended the stream without a request
    }
  }

  /**
   * A header section Netty's codec refused (upper-case or CR in a name, pseudo-header rules: it has reset the
   * stream with H3_MESSAGE_ERROR already) or any other failure before the request was handed on: the stream is
   * closed. The cause may quote the client's bytes, so it is logged through LogSafe, at DEBUG (clients' mistakes).
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("HTTP/3 request stream {} failed", ctx.channel(), LogSafe.throwable(cause));
    cancelDeadline();
    if (cause instanceof Http3HeadersValidationException) {
      // Malformed (RFC 9114 §4.1.2): a stream error H3_MESSAGE_ERROR. Netty resets with it only after this
      // handler returns, and a plain close here would end the stream with FIN first, so the client saw no error.
      WtSessionStream.reset((QuicStreamChannel) ctx.channel(), WtErrors.H3_MESSAGE_ERROR);
    } else {
      ctx.close();
    }
  }

  /**
   * The status that refuses this header section, or 0 when it may be served (see the class javadoc).
   * Pseudo-header presence and order, lower-case names, connection-specific fields and Host against
   * {@code :authority} are Netty's checks already (its codec resets such a stream with H3_MESSAGE_ERROR).
   */
  static int check(Http3Headers h, LivePushConfig config) {
    long size = 0;
    boolean malformedField = false;
    for (Map.Entry<CharSequence, CharSequence> e : h) { // one pass: size, and the field grammar (400 below)
      size += e.getKey().length() + e.getValue().length() + FIELD_OVERHEAD;
      malformedField = malformedField || !isFieldName(e.getKey()) || !isFieldValue(e.getValue());
    }
    if (size > config.maxHeaderBytes()) {
      return 431;
    }
    CharSequence path = h.path();
    if (path != null && path.length() > config.maxInitialLineBytes()) {
      return 414;
    }
    CharSequence method = h.method();
    if (method == null || !HttpFields.isToken(method.toString(), 32)) {
      return 400;
    }
    boolean connect = HttpMethod.CONNECT.name().contentEquals(method);
    if (!connect && (path == null || !isRequestTarget(path))) {
      return 400; // a CONNECT's :path is WtConnect's to check
    }
    return malformedField ? 400 : 0;
  }

  /** Whether {@code target} is an origin-form request target of visible ASCII (RFC 9112 §3.2). */
  static boolean isRequestTarget(CharSequence target) {
    if (target.length() == 0 || target.charAt(0) != '/') {
      return false;
    }
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  /**
   * RFC 9110 §5.1: a field name is a token (a pseudo-header, RFC 9114 §4.3: ':' and a token). Netty's QPACK
   * decoder lets CR, LF, NUL, space and non-ASCII through in names; its conversion to HTTP/1 objects then fails
   * with an ERROR log quoting the name raw and leaves the stream unanswered.
   */
  private static boolean isFieldName(CharSequence name) {
    String n = name.toString();
    return HttpFields.isToken(n.startsWith(":") ? n.substring(1) : n, n.length());
  }

  /** RFC 9110 §5.5 field-value octets: no control character but HTAB (so no CR, LF, NUL). */
  private static boolean isFieldValue(CharSequence v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  /**
   * Answers {@code status} with a short {@code text/plain} body and ends the stream (FIN).
   *
   * @return the future of the body's write
   */
  static ChannelFuture answer(QuicStreamChannel channel, int status, String reason) {
    Http3HeadersFrame head = new DefaultHttp3HeadersFrame();
    head.headers().status(Integer.toString(status));
    head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    byte[] body = (reason == null ? "" : reason).getBytes(StandardCharsets.UTF_8);
    channel.write(head);
    return channel.writeAndFlush(new DefaultHttp3DataFrame(Unpooled.wrappedBuffer(body)))
        .addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
  }
}
