package io.livepush.spring.boot;

import io.livepush.LivePushServer;
import io.livepush.spi.EventBus;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Actuator health of livepush ({@code /actuator/health/livepush}): UP while the server listens and, with a cluster
 * bus, the bus's backend answers a ping; DOWN otherwise. Details: {@code port}, {@code connections}, and
 * {@code bus} ({@code reachable}, the error, or {@code unknown} for a bus without a ping, which does not make it
 * DOWN). Runs on the actuator's request thread and blocks at most {@code busTimeout} for the ping.
 */
public final class LivePushHealthIndicator implements HealthIndicator {
  private final LivePushLifecycle lifecycle;
  private final Duration busTimeout;

  /**
   * An indicator for the server {@code lifecycle} runs.
   *
   * @param lifecycle the server's lifecycle; not {@code null}
   * @param busTimeout longest wait for the bus's ping answer; positive
   */
  public LivePushHealthIndicator(LivePushLifecycle lifecycle, Duration busTimeout) {
    this.lifecycle = lifecycle;
    this.busTimeout = busTimeout;
  }

  @Override
  public Health health() {
    LivePushServer server = lifecycle.server();
    if (!lifecycle.isRunning()) {
      return Health.down().withDetail("server", "not running").build();
    }
    Health.Builder health = Health.up().withDetail("port", server.port())
        .withDetail("connections", server.connectionCount());
    EventBus bus = server.config().bus();
    if (bus == null) {
      return health.build();
    }
    try {
      bus.ping().toCompletableFuture().get(busTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return health.withDetail("bus", "reachable").build();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnsupportedOperationException) {
        return health.withDetail("bus", "unknown").build();
      }
      return health.down().withDetail("bus", String.valueOf(e.getCause().getMessage())).build();
    } catch (TimeoutException e) {
      return health.down().withDetail("bus", "no answer within " + busTimeout.toMillis() + " ms").build();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return health.unknown().withDetail("bus", "interrupted").build();
    }
  }
}
