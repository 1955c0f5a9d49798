package io.livepush.spi;

/**
 * Names of the handlers the core installs in every connection's pipeline, in order:
 *
 * <pre>
 *  socket → [livepush.tls] → livepush.httpCodec → livepush.httpAggregator → livepush.router
 * </pre>
 *
 * A transport that claims a request replaces {@code httpAggregator} and {@code router} (and, for a stream that
 * no longer parses HTTP, {@code httpCodec}) with its own handlers, named {@code livepush.<transport>.*}.
 */
public final class PipelineNames {
  public static final String TLS = "livepush.tls";
  public static final String HTTP_CODEC = "livepush.httpCodec";
  public static final String HTTP_AGGREGATOR = "livepush.httpAggregator";
  public static final String ROUTER = "livepush.router";

  private PipelineNames() {}
}
