package io.livepush.internal;

import io.livepush.spi.Transport;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import java.util.List;
import java.util.Map;

/**
 * Adds the header fields transports contribute ({@link Transport#responseHeaders()}, e.g. {@code Alt-Svc}) to every
 * response head written on a TCP connection or HTTP/2 stream, right after the HTTP codec (so the router's, the
 * services' and the transports' answers all pass it). A field the response already has is left alone;
 * informational (1xx) responses get none. Installed only when a transport contributes fields at the time the
 * connection (or stream) is set up; it leaves the pipeline once a response head that starts a stream (not a
 * {@link FullHttpResponse}, or a 101) has passed, so a stream's bytes do not pass it. Shared by every channel,
 * stateless; runs on each channel's loop.
 */
@ChannelHandler.Sharable
public final class ResponseHeaders extends ChannelOutboundHandlerAdapter {
  /** Its name in a pipeline. */
  static final String NAME = "livepush.responseHeaders";
  private final List<Transport> transports;

  public ResponseHeaders(List<Transport> transports) {
    this.transports = List.copyOf(transports);
  }

  /** Whether a transport contributes fields now: only then is the handler worth installing. */
  boolean active() {
    for (Transport t : transports) {
      HttpHeaders h = t.responseHeaders();
      if (h != null && !h.isEmpty()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof HttpResponse)) {
      ctx.write(msg, promise);
      return;
    }
    HttpResponse response = (HttpResponse) msg;
    int code = response.status().code();
    if (code >= 200) {
      HttpHeaders into = response.headers();
      for (Transport t : transports) {
        HttpHeaders h = t.responseHeaders();
        if (h == null) {
          continue;
        }
        for (Map.Entry<String, String> e : h) {
          if (!into.contains(e.getKey())) {
            into.add(e.getKey(), e.getValue());
          }
        }
      }
    }
    boolean streamStarts = code == 101 || (code >= 200 && !(msg instanceof FullHttpResponse));
    ctx.write(msg, promise);
    if (streamStarts && ctx.pipeline().context(this) != null) {
      ctx.pipeline().remove(this);
    }
  }
}
