package io.livepush.spi;

/**
 * Names of the handlers the core installs in every connection's pipeline, in order:
 *
 * <pre>
 *  socket → [livepush.writability] → [livepush.tls] → [livepush.requestDeadline] → livepush.httpCodec
 *         → livepush.httpAggregator → livepush.router
 * </pre>
 *
 * When a transport contributes response header fields ({@link Transport#responseHeaders()}), the core's handler
 * {@code livepush.responseHeaders} sits between {@code httpCodec} and {@code httpAggregator}.
 * {@code requestDeadline} (slow-loris guard) is removed when a transport claims a request;
 * {@code writability} is the session itself, added first when a session opens: it hears writability changes
 * (slow-consumer policies) and the channel going inactive (deregistration), with no other per-connection
 * handler or listener.
 *
 * A transport that claims a request replaces {@code httpAggregator} and {@code router} (and, for a stream that
 * no longer parses HTTP, {@code httpCodec}) with its own handlers, named {@code livepush.<transport>.*}.
 *
 * <p>HTTP/2 (RFC 9113): each stream is a child channel with the same names, {@code httpCodec} being Netty's
 * {@code Http2StreamFrameToHttpObjectCodec}, so a transport's pipeline changes work unchanged; a
 * {@code ByteBuf} written after {@code httpCodec} was removed goes out as a DATA frame. The connection's own
 * pipeline then holds Netty's HTTP/2 frame codec and stream multiplexer instead of the HTTP/1.1 handlers.
 */
public final class PipelineNames {
  /** Netty's {@code SslHandler}, present only when TLS is configured. */
  public static final String TLS = "livepush.tls";
  /** The slow-loris guard: closes a connection whose request head does not arrive in time. */
  public static final String REQUEST_DEADLINE = "livepush.requestDeadline";
  /** The session, added first when it opens: writability changes and channel inactivity. */
  public static final String WRITABILITY = "livepush.writability";
  /** Netty's {@code HttpServerCodec}. */
  public static final String HTTP_CODEC = "livepush.httpCodec";
  /** Netty's {@code HttpObjectAggregator}, bounding request bodies. */
  public static final String HTTP_AGGREGATOR = "livepush.httpAggregator";
  /** Dispatches each request to a transport, an {@code HttpService} or a 404. */
  public static final String ROUTER = "livepush.router";

  private PipelineNames() {}
}
