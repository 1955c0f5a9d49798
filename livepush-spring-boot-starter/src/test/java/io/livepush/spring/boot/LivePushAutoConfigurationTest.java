package io.livepush.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.LivePushConfig;
import io.livepush.LivePushServer;
import io.livepush.ServerBindException;
import io.livepush.client.ClientTransport;
import io.livepush.client.LivePushClient;
import io.livepush.client.PushEvent;
import io.livepush.micrometer.LivePushMeterBinder;
import io.livepush.sse.SseTransport;
import io.livepush.testing.PacedSseReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The auto-configuration in application contexts, with real sockets (port 0) and livepush-client followers. */
class LivePushAutoConfigurationTest {
  static final AutoConfigurations ALL = AutoConfigurations.of(LivePushRedisAutoConfiguration.class,
      LivePushSecurityAutoConfiguration.class, LivePushAutoConfiguration.class,
      LivePushHealthAutoConfiguration.class, LivePushMetricsAutoConfiguration.class);

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(ALL)
      .withPropertyValues("livepush.port=0", "livepush.host=127.0.0.1", "livepush.sse.multi-topic-path=/live",
          "livepush.shutdown.drain=0s");

  @Test
  void startsWithTheContextDeliversOverSseAndWebSocketAndStopsWithIt() {
    LivePushServer[] server = new LivePushServer[1];
    runner.run(ctx -> {
      assertThat(ctx).hasNotFailed();
      server[0] = ctx.getBean(LivePushServer.class);
      int port = server[0].port();
      assertThat(ctx.getEnvironment().getProperty(LivePushLifecycle.PORT_PROPERTY, Integer.class)).isEqualTo(port);
      BlockingQueue<PushEvent> sse = Clients.queue();
      BlockingQueue<PushEvent> ws = Clients.queue();
      try (LivePushClient a = Clients.follow(b -> b.sse(URI.create("http://127.0.0.1:" + port + "/live"))
              .topics("scores"), sse);
          LivePushClient b = Clients.follow(c -> c.webSocket(URI.create("ws://127.0.0.1:" + port + "/ws"))
              .transport(ClientTransport.WEBSOCKET).topics("scores"), ws)) {
        server[0].publish("scores", Event.text("3-2").withType("score"));
        assertThat(Clients.next(sse).data()).isEqualTo("3-2");
        PushEvent w = Clients.next(ws);
        assertThat(w.data()).isEqualTo("3-2");
        assertThat(w.type()).isEqualTo("score");
      }
      assertThat(ctx.getBean(LivePushLifecycle.class).isRunning()).isTrue();
    });
    // The context closed: the lifecycle stopped the server (and the bean's close() is idempotent).
    assertThat(server[0].whenClosed().toCompletableFuture()).isDone();
  }

  @Test
  void closingTheContextDeliversWhatTheWebServerPhasePublishesThenEndsTheStreams() throws Exception {
    // Boot stops the web server (phase MAX_VALUE - 2048) before livepush: a request finishing there may still
    // publish, and its event must reach the streams before they are drained.
    PacedSseReader[] reader = new PacedSseReader[1];
    runner.withUserConfiguration(LastWords.class).run(ctx -> {
      assertThat(ctx).hasNotFailed();
      reader[0] = PacedSseReader.open(ctx.getBean(LivePushServer.class).port(), "GET", "/live?topic=scores",
          new byte[0], Long.MAX_VALUE);
      assertThat(reader[0].awaitEvents(e -> !e.isEmpty(), 20)).isNotEmpty(); // the position: subscribed
    });
    try {
      assertThat(reader[0].awaitEnd(20)).isTrue();
      assertThat(reader[0].events()).extracting(PacedSseReader.Received::data).contains("last words");
    } finally {
      reader[0].close();
    }
  }

  /** A lifecycle in the web server's phase that publishes when it stops, as a request finishing there would. */
  @Configuration(proxyBeanMethods = false)
  static class LastWords {
    @Bean
    SmartLifecycle lastWords(LivePushServer server) {
      return new SmartLifecycle() {
        private volatile boolean running;

        @Override
        public void start() {
          running = true;
        }

        @Override
        public void stop() {
          server.publish("scores", Event.text("last words"));
          running = false;
        }

        @Override
        public boolean isRunning() {
          return running;
        }

        @Override
        public int getPhase() {
          return Integer.MAX_VALUE - 2048; // Boot's WebServerStartStopLifecycle
        }
      };
    }
  }

  @Test
  void aLongPollPathAddsLongPollingWithItsProperties() {
    runner.withPropertyValues("livepush.longpoll.path=/poll", "livepush.longpoll.timeout=2s",
        "livepush.longpoll.max-batch-events=5").run(ctx -> {
      assertThat(ctx).hasNotFailed();
      LivePushServer server = ctx.getBean(LivePushServer.class);
      assertThat(server.config().transports()).extracting(t -> t.name()).contains("longpoll");
      BlockingQueue<PushEvent> polls = Clients.queue();
      try (LivePushClient c = Clients.follow(b -> b.longPoll(URI.create("http://127.0.0.1:" + server.port()
          + "/poll")).transport(ClientTransport.LONG_POLLING).topics("scores"), polls)) {
        server.publish("scores", Event.text("1-0"));
        assertThat(Clients.next(polls).data()).isEqualTo("1-0");
      }
    });
    runner.run(ctx -> assertThat(ctx.getBean(LivePushServer.class).config().transports()).extracting(t -> t.name())
        .doesNotContain("longpoll"));
  }

  @Test
  void defaultsAreTheCoresExceptThePort() {
    LivePushProperties p = new Binder(new MapConfigurationPropertySource(Map.of()))
        .bindOrCreate("livepush", LivePushProperties.class);
    assertThat(p.port()).isEqualTo(8081);
    SseTransport sse = SseTransport.builder().multiTopicPath("/live").build();
    LivePushServer.Builder mapped = LivePushServer.builder().transport(sse);
    PropertiesMapper.server(p, mapped);
    LivePushConfig ours = mapped.port(LivePushConfig.DEFAULT_PORT).buildConfig();
    LivePushConfig core = LivePushServer.builder().transport(sse).buildConfig();
    // LivePushConfig.toString() lists every scalar option (host, port, limits, heartbeats, replay, drain, ...).
    assertThat(ours.toString()).isEqualTo(core.toString());
    assertThat(ours.replay().toString()).isEqualTo(core.replay().toString());
    assertThat(ours.authFailureRate()).isEqualTo(core.authFailureRate());
    assertThat(ours.authFailureBurst()).isEqualTo(core.authFailureBurst());
    assertThat(ours.connectionRate()).isEqualTo(core.connectionRate());
    assertThat(ours.connectionBurst()).isEqualTo(core.connectionBurst());
    assertThat(ours.maxConnectionsPerAddress()).isEqualTo(core.maxConnectionsPerAddress());
    assertThat(ours.requestHeaderTimeout()).isEqualTo(core.requestHeaderTimeout());
    assertThat(ours.shutdownDrain()).isEqualTo(core.shutdownDrain());
    assertThat(ours.shutdownBatchSize()).isEqualTo(core.shutdownBatchSize());
    assertThat(ours.retry()).isEqualTo(core.retry());
    assertThat(ours.maxPendingOutboundBytes()).isEqualTo(core.maxPendingOutboundBytes());
    assertThat(p.websocket().maxFrameSize().toBytes())
        .isEqualTo(io.livepush.websocket.WebSocketTransport.DEFAULT_MAX_FRAME_SIZE);
    assertThat(p.websocket().maxMessageSize().toBytes())
        .isEqualTo(io.livepush.websocket.WebSocketTransport.DEFAULT_MAX_MESSAGE_SIZE);
    assertThat(p.websocket().handshakeTimeout().toMillis())
        .isEqualTo(io.livepush.websocket.WebSocketTransport.DEFAULT_HANDSHAKE_TIMEOUT_MILLIS);
    assertThat(p.websocket().maxPendingMessages())
        .isEqualTo(io.livepush.websocket.WebSocketTransport.DEFAULT_MAX_PENDING_MESSAGES);
    assertThat(p.redis().keyPrefix()).isEqualTo(io.livepush.redis.RedisBusConfig.DEFAULT_KEY_PREFIX);
    assertThat(p.redis().maxStreamLength()).isEqualTo(io.livepush.redis.RedisBusConfig.DEFAULT_MAX_STREAM_LENGTH);
    assertThat(p.redis().commandTimeout()).isEqualTo(io.livepush.redis.RedisBusConfig.DEFAULT_COMMAND_TIMEOUT);
  }

  @Test
  void beansAndCustomizersReachTheBuilder() {
    runner.withUserConfiguration(Customized.class).run(ctx -> {
      assertThat(ctx).hasNotFailed();
      int port = ctx.getBean(LivePushServer.class).port();
      var hello = Clients.get(URI.create("http://127.0.0.1:" + port + "/hello"));
      assertThat(hello.statusCode()).isEqualTo(200);
      assertThat(hello.body()).isEqualTo("hello from a customizer");
      // The Authenticator bean guards the route an SseTransportCustomizer added.
      URI feed = URI.create("http://127.0.0.1:" + port + "/feed");
      assertThat(Clients.head(feed).statusCode()).isEqualTo(401);
      assertThat(Clients.head(feed, "X-Key", "k").statusCode()).isEqualTo(200);
    });
  }

  @Test
  void aTakenPortFailsTheRefreshWithTheServersMessage() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      runner.withPropertyValues("livepush.port=" + taken.getLocalPort()).run(ctx -> {
        assertThat(ctx).hasFailed();
        assertThat(ctx.getStartupFailure()).rootCause().hasMessageContaining("Address already in use");
        assertThat(ctx.getStartupFailure()).cause().isInstanceOf(ServerBindException.class)
            .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort());
      });
    }
  }

  @Test
  void invalidValuesAndNothingToServeFailWithTheirNames() {
    runner.withPropertyValues("livepush.limits.max-connections=0").run(ctx ->
        assertThat(ctx.getStartupFailure()).rootCause().hasMessageContaining("maxConnections: 0"));
    new ApplicationContextRunner().withConfiguration(ALL).withPropertyValues("livepush.websocket.enabled=false")
        .run(ctx ->
        assertThat(ctx.getStartupFailure()).rootCause().hasMessageContaining("transports: none"));
    runner.withPropertyValues("livepush.tls.certificate=/nonexistent.pem").run(ctx ->
        assertThat(ctx.getStartupFailure()).rootCause().hasMessageContaining("livepush.tls"));
  }

  @Test
  void disabledMeansNoServer() {
    runner.withPropertyValues("livepush.enabled=false").run(ctx ->
        assertThat(ctx).hasNotFailed().doesNotHaveBean(LivePushServer.class).doesNotHaveBean(HealthIndicator.class));
  }

  @Test
  void healthIsUpWhileListeningAndDownOnceStopped() {
    runner.run(ctx -> {
      HealthIndicator health = ctx.getBean("livepushHealthIndicator", HealthIndicator.class);
      var up = health.health();
      assertThat(up.getStatus()).isEqualTo(Status.UP);
      assertThat(up.getDetails()).containsEntry("port", ctx.getBean(LivePushServer.class).port())
          .containsEntry("connections", 0).doesNotContainKey("bus");
      ctx.getBean(LivePushLifecycle.class).stop();
      assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
    });
    runner.withPropertyValues("management.health.livepush.enabled=false").run(ctx ->
        assertThat(ctx).hasNotFailed().doesNotHaveBean("livepushHealthIndicator"));
  }

  @Test
  void theMeterBinderIsRegisteredAndCounts() {
    runner.run(ctx -> {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      ctx.getBean(LivePushMeterBinder.class).bindTo(registry);
      ctx.getBean(LivePushServer.class).publish("t", Event.text("x"));
      assertThat(registry.get("livepush.events.published").functionCounter().count()).isEqualTo(1.0);
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class Customized {
    @Bean
    io.livepush.Authenticator keyAuthenticator() {
      return io.livepush.Authenticator.nonBlocking(r -> "k".equals(r.header("X-Key"))
          ? io.livepush.AuthResult.allow(io.livepush.Principal.of("key"))
          : io.livepush.AuthResult.unauthorized("key required"));
    }

    @Bean
    LivePushServerCustomizer hello() {
      return b -> b.httpService(HttpService.nonBlocking((r, body) -> r.path().equals("/hello")
          ? HttpReply.text(200, "hello from a customizer") : null));
    }

    @Bean
    SseTransportCustomizer feed() {
      return b -> b.route("/feed", "feed");
    }
  }
}
