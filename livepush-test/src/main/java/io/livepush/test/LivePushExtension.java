package io.livepush.test;

import io.livepush.LivePushServer;
import io.livepush.ReplayConfig;
import io.livepush.sse.SseTransport;
import io.livepush.websocket.WebSocketTransport;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension: before each test it starts a {@link LivePushServer} on {@code 127.0.0.1} port 0 with an SSE
 * transport ({@code multiTopicPath}) and a WebSocket transport, and resolves {@link TestLivePush} (and
 * {@link LivePushServer}) parameters; after each test it closes every client the test opened and stops the server.
 *
 * <p>Declaratively with {@link LivePushTest}, or programmatically:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final LivePushExtension LIVEPUSH = LivePushExtension.builder()
 *     .server(b -> b.replay(ReplayConfig.builder().maxEventsPerTopic(3).build()))
 *     .build();
 * }</pre>
 *
 * Threads: callbacks run on JUnit's test thread; starting and stopping wait for the server (bounded by
 * {@link Builder#timeout}).
 */
public final class LivePushExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {
  /** The default SSE path. */
  public static final String DEFAULT_SSE_PATH = "/live";
  /** The default WebSocket path. */
  public static final String DEFAULT_WEBSOCKET_PATH = "/ws";

  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LivePushExtension.class);

  private final Builder settings;

  /** For {@link LivePushTest}: settings from the annotation of the test class. */
  public LivePushExtension() {
    this.settings = null;
  }

  private LivePushExtension(Builder settings) {
    this.settings = settings;
  }

  /** {@return a builder with the defaults of {@link LivePushTest}} */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    Builder b = settings != null ? settings : fromAnnotation(context);
    TestLivePush livepush = TestLivePush.start(b);
    context.getStore(NS).put(TestLivePush.class, livepush);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    TestLivePush livepush = context.getStore(NS).remove(TestLivePush.class, TestLivePush.class);
    if (livepush != null) {
      livepush.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == TestLivePush.class || type == LivePushServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    TestLivePush livepush = context.getStore(NS).get(TestLivePush.class, TestLivePush.class);
    if (livepush == null) {
      throw new IllegalStateException("no livepush server: parameters resolve in test methods, not constructors");
    }
    return parameter.getParameter().getType() == LivePushServer.class ? livepush.server() : livepush;
  }

  private static Builder fromAnnotation(ExtensionContext context) {
    LivePushTest a = context.getRequiredTestClass().getAnnotation(LivePushTest.class);
    Builder b = builder();
    if (a != null) {
      b.ssePath(a.ssePath()).webSocketPath(a.webSocketPath())
          .server(s -> s.replay(ReplayConfig.builder().maxEventsPerTopic(a.replayEventsPerTopic()).build())
              .heartbeatInterval(Duration.ofMillis(a.heartbeatMillis())));
    }
    return b;
  }

  /** Settings of the server each test gets. Not thread-safe; {@link #build()} copies nothing, build once. */
  public static final class Builder {
    String ssePath = DEFAULT_SSE_PATH;
    String webSocketPath = DEFAULT_WEBSOCKET_PATH;
    Consumer<LivePushServer.Builder> server = b -> {};
    Consumer<SseTransport.Builder> sse = b -> {};
    Consumer<WebSocketTransport.Builder> webSocket = b -> {};
    Duration timeout = Duration.ofSeconds(10);

    private Builder() {}

    /**
     * The SSE {@code multiTopicPath}; default {@value #DEFAULT_SSE_PATH}.
     *
     * @param path the path
     * @return this builder
     */
    public Builder ssePath(String path) {
      this.ssePath = Objects.requireNonNull(path, "ssePath");
      return this;
    }

    /**
     * The WebSocket path; default {@value #DEFAULT_WEBSOCKET_PATH}.
     *
     * @param path the path
     * @return this builder
     */
    public Builder webSocketPath(String path) {
      this.webSocketPath = Objects.requireNonNull(path, "webSocketPath");
      return this;
    }

    /**
     * Customises the server (replay bounds, authenticator, heartbeats...); port and host are set by the kit.
     *
     * @param customizer changes the builder
     * @return this builder
     */
    public Builder server(Consumer<LivePushServer.Builder> customizer) {
      this.server = this.server.andThen(Objects.requireNonNull(customizer, "server"));
      return this;
    }

    /**
     * Customises the SSE transport (routes, CORS...).
     *
     * @param customizer changes the builder
     * @return this builder
     */
    public Builder sse(Consumer<SseTransport.Builder> customizer) {
      this.sse = this.sse.andThen(Objects.requireNonNull(customizer, "sse"));
      return this;
    }

    /**
     * Customises the WebSocket transport (message handler...).
     *
     * @param customizer changes the builder
     * @return this builder
     */
    public Builder webSocket(Consumer<WebSocketTransport.Builder> customizer) {
      this.webSocket = this.webSocket.andThen(Objects.requireNonNull(customizer, "webSocket"));
      return this;
    }

    /**
     * How long the kit waits for the server, for a client to open and for {@code await} methods; default 10 s.
     *
     * @param timeout the timeout
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
      }
      this.timeout = timeout;
      return this;
    }

    /** {@return the extension, to register with {@code @RegisterExtension}} */
    public LivePushExtension build() {
      return new LivePushExtension(this);
    }
  }
}
