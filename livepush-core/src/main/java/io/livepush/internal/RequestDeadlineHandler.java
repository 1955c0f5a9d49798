package io.livepush.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Slow-loris guard: sits before the HTTP codec and answers {@code 408 Request Timeout} (RFC 9110 §15.5.9),
 * then closes, when a complete request has not been dispatched within the deadline. The router disarms it
 * when it dispatches a request, removes it when a transport turns the connection into a stream, and re-arms
 * it after answering a plain keep-alive request. Per channel, not sharable; timers run on the channel's loop.
 * On an HTTP/2 stream it sits after the stream's HTTP codec and answers with an HTTP message instead of bytes.
 */
public final class RequestDeadlineHandler extends ChannelDeadline {
  private static final byte[] TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; charset=utf-8\r\n"
      + "Content-Length: 29\r\nConnection: close\r\n\r\nrequest headers not received\n")
      .getBytes(StandardCharsets.US_ASCII);

  private final Stats stats;
  private final boolean httpMessages;

  public RequestDeadlineHandler(long timeoutNanos, Stats stats) {
    this(timeoutNanos, stats, false);
  }

  /** @param httpMessages placed after an HTTP codec (an HTTP/2 stream): answers with a {@code FullHttpResponse} */
  RequestDeadlineHandler(long timeoutNanos, Stats stats, boolean httpMessages) {
    super(timeoutNanos);
    this.stats = stats;
    this.httpMessages = httpMessages;
  }

  // arm() starts (again) the clock for the next request head; disarm() stops it: a request was dispatched.

  @Override
  void expire() {
    if (!ctx.channel().isActive()) {
      return;
    }
    stats.refused(Stats.REQUEST_HEADER_TIMEOUT);
    if (!ctx.channel().isWritable()) {
      // Over its outbound budget (a keep-alive client not reading its responses): the 408 would never be
      // flushed, and the close waiting for it would never come.
      ctx.close();
      return;
    }
    if (httpMessages) {
      DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          HttpResponseStatus.REQUEST_TIMEOUT, Unpooled.wrappedBuffer(TIMEOUT, TIMEOUT.length - 29, 29));
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
          .setInt(HttpHeaderNames.CONTENT_LENGTH, 29);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    // Written from here, below the HTTP codec, so a half-parsed request cannot interfere.
    ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
  }
}
