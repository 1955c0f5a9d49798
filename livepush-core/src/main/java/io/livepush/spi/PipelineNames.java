package io.livepush.spi;

/**
 * Names of the handlers the core installs in every connection's pipeline, in order:
 *
 * <pre>
 *  socket → [livepush.writability] → [livepush.tls] → [livepush.requestDeadline] → livepush.httpCodec
 *         → livepush.httpAggregator → livepush.router
 * </pre>
 *
 * {@code requestDeadline} (slow-loris guard) is removed when a transport claims a request;
 * {@code writability} is the session itself, added first when a session opens: it hears writability changes
 * (slow-consumer policies) and the channel going inactive (deregistration), with no other per-connection
 * handler or listener.
 *
 * A transport that claims a request replaces {@code httpAggregator} and {@code router} (and, for a stream that
 * no longer parses HTTP, {@code httpCodec}) with its own handlers, named {@code livepush.<transport>.*}.
 */
public final class PipelineNames {
  public static final String TLS = "livepush.tls";
  public static final String REQUEST_DEADLINE = "livepush.requestDeadline";
  public static final String WRITABILITY = "livepush.writability";
  public static final String HTTP_CODEC = "livepush.httpCodec";
  public static final String HTTP_AGGREGATOR = "livepush.httpAggregator";
  public static final String ROUTER = "livepush.router";

  private PipelineNames() {}
}
