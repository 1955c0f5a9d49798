package io.livepush;

import io.livepush.internal.Http2Connections;
import io.livepush.internal.Hub;
import io.livepush.spi.Transport;
import io.netty.channel.Channel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * {@link LivePushServer#stop()}'s sequence: stop accepting, close every connection through its transport spread
 * over the drain window, wait (bounded) for the goodbyes, GOAWAY to HTTP/2 connections, close the transports' own
 * listeners (HTTP/3), stop the bus, release
 * the threads.
 */
final class ServerShutdown {
  /** Longest {@link LivePushServer#stop()} waits for connections to finish their goodbyes. */
  static final long GOODBYE_TIMEOUT_MILLIS = 3_000;

  private ServerShutdown() {}

  /** {@link Transport#stopListening()}, bounded by {@link #GOODBYE_TIMEOUT_MILLIS}; its failure is logged. */
  private static CompletableFuture<Void> stopListening(Transport t) {
    CompletableFuture<Void> f;
    try {
      f = t.stopListening().toCompletableFuture();
    } catch (RuntimeException e) {
      LoggerFactory.getLogger(LivePushServer.class).warn("transport {} failed to stop listening", t.name(), e);
      return CompletableFuture.completedFuture(null);
    }
    return f.handle((v, e) -> (Void) null).completeOnTimeout(null, GOODBYE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** {@link io.livepush.spi.EventBus#stop()}, whose failure (thrown or in its stage) is logged. */
  private static CompletableFuture<Void> stopBus(LivePushConfig config) {
    try {
      return config.bus().stop().toCompletableFuture().handle((x, y) -> null);
    } catch (RuntimeException e) {
      LoggerFactory.getLogger(LivePushServer.class).warn("the bus failed to stop", e);
      return CompletableFuture.completedFuture(null);
    }
  }

  /**
   * Runs the sequence; the future completes, never exceptionally, on a Netty thread once the threads are
   * released.
   */
  static CompletableFuture<Void> run(LivePushConfig config, ServerRuntime rt) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    Hub h = rt.hub;
    Channel sc = rt.serverChannel;
    Http2Connections h2 = rt.http2;
    Runnable shutdown = () -> {
      // Spread the closes over the drain window, then wait (bounded) until every connection finished its
      // goodbye (SSE: retry: flushed; WebSocket: close frame and the peer's answer): event loops close their
      // channels as soon as they start shutting down.
      CompletableFuture<Void> drained = h == null ? CompletableFuture.completedFuture(null)
          : h.closeAll(CloseReason.SERVER_STOPPING, config.shutdownDrain(), config.shutdownBatchSize())
              .completeOnTimeout(null, config.shutdownDrain().toMillis() + GOODBYE_TIMEOUT_MILLIS,
                  TimeUnit.MILLISECONDS);
      // Then GOAWAY to the HTTP/2 connections, whose streams have ended (see Http2Connections).
      CompletableFuture<Void> goneAway = drained.handle((v, e) -> null).thenCompose(v -> h2 == null
          ? CompletableFuture.<Void>completedFuture(null)
          : h2.goAwayAll().completeOnTimeout(null, GOODBYE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
      // Then the transports' own listeners (HTTP/3: GOAWAY, then the UDP socket).
      CompletableFuture<Void> unbound = goneAway.handle((v, e) -> null).thenCompose(v -> CompletableFuture.allOf(
          config.transports().stream().map(ServerShutdown::stopListening).toArray(CompletableFuture[]::new)));
      unbound.whenComplete((v, e) -> {
        if (h != null) {
          h.stopTimers();
        }
        // The bus stops reading now (nothing is left to deliver to) and releases its connections.
        CompletableFuture<Void> busStopped = config.bus() == null || !rt.busStarted
            ? CompletableFuture.completedFuture(null) : stopBus(config);
        busStopped.whenComplete((x, y) ->
            rt.workerGroup.shutdownGracefully(100, 5_000, TimeUnit.MILLISECONDS).addListener(w ->
                rt.bossGroup.shutdownGracefully(0, 1_000, TimeUnit.MILLISECONDS).addListener(z -> {
                  ExecutorService owned = rt.ownedBlocking;
                  if (owned != null) {
                    owned.shutdown(); // running callbacks finish; their writes to closed channels fail quietly
                  }
                  f.complete(null);
                })));
      });
    };
    if (sc != null) {
      sc.close().addListener(x -> shutdown.run());
    } else {
      shutdown.run();
    }
    return f;
  }
}
