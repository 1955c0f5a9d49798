package io.livepush.spring.boot;

import io.livepush.LivePushServer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;

/**
 * Starts the {@link LivePushServer} bean when the application context is refreshed and stops it, drained, when
 * the context closes.
 *
 * <h2>Phase</h2>
 * {@value #PHASE} ({@code Integer.MAX_VALUE - 4096}): below Spring Boot's web server lifecycle
 * ({@code MAX_VALUE - 2048}) and its graceful shutdown ({@code MAX_VALUE - 1024}). Lower phases start first and
 * stop last, so livepush listens before the web server takes requests, and on shutdown the web server first
 * finishes its in-flight requests (which may still publish), then livepush drains its streams
 * ({@code livepush.shutdown.drain}: SSE clients get a jittered {@code retry:}, WebSocket clients close 1001).
 * Each phase is bounded by {@code spring.lifecycle.timeout-per-shutdown-phase} (30 s by default), longer than
 * livepush's drain plus its 3 s goodbye bound.
 *
 * <h2>Threads</h2>
 * {@link #start()} blocks the refreshing thread until the port is bound (or a cluster bus joined) and fails the
 * refresh with the server's {@code ServerBindException} when the port is taken. {@link #stop(Runnable)} does not
 * block: it calls back when the server stopped. After start, the bound port is the environment property
 * {@value #PORT_PROPERTY} (useful with {@code livepush.port=0}). A {@link LivePushServer} starts once, so a
 * context stopped and started again ({@code ConfigurableApplicationContext.stop()/start()}) fails to start it.
 */
public final class LivePushLifecycle implements SmartLifecycle {
  /** The lifecycle phase; see the class comment. */
  public static final int PHASE = Integer.MAX_VALUE - 4096;
  /** The environment property holding the bound port once started. */
  public static final String PORT_PROPERTY = "local.livepush.port";

  private final LivePushServer server;
  private final Environment environment;
  private volatile boolean running;

  /**
   * A lifecycle for {@code server}.
   *
   * @param server the server to start and stop; not {@code null}
   * @param environment where to publish {@value #PORT_PROPERTY}; may be {@code null}
   */
  public LivePushLifecycle(LivePushServer server, Environment environment) {
    this.server = Objects.requireNonNull(server, "server");
    this.environment = environment;
  }

  /**
   * Binds the port and starts serving; blocks until done.
   *
   * @throws io.livepush.ServerBindException if the address cannot be bound
   * @throws IllegalStateException if the server was already started (or stopped) once
   */
  @Override
  public void start() {
    try {
      server.start().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
    running = true;
    if (environment instanceof ConfigurableEnvironment env) {
      env.getPropertySources().remove(PORT_PROPERTY);
      env.getPropertySources().addFirst(new MapPropertySource(PORT_PROPERTY, Map.of(PORT_PROPERTY, server.port())));
    }
  }

  /** Stops and waits; prefer {@link #stop(Runnable)}, which Spring calls. */
  @Override
  public void stop() {
    running = false;
    server.stop().join();
  }

  /**
   * Stops the server (drained, see the class comment) and runs {@code callback} on livepush's thread once it
   * stopped, successfully or not.
   */
  @Override
  public void stop(Runnable callback) {
    running = false;
    server.stop().whenComplete((v, e) -> callback.run());
  }

  /** Whether the server was started and has not been stopped since. */
  @Override
  public boolean isRunning() {
    return running && !server.whenClosed().toCompletableFuture().isDone();
  }

  /** {@value #PHASE}: see the class comment. */
  @Override
  public int getPhase() {
    return PHASE;
  }

  /**
   * The server this lifecycle runs.
   *
   * @return the server bean
   */
  public LivePushServer server() {
    return server;
  }
}
