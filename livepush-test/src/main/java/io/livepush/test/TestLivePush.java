package io.livepush.test;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.client.ClientTransport;
import io.livepush.client.LivePushClient;
import io.livepush.sse.SseTransport;
import io.livepush.websocket.WebSocketTransport;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * One test's livepush: the running server, what the test published through it, and the clients it opened. Given to
 * test methods by {@link LivePushExtension}; closed after the test. Thread-safe.
 */
public final class TestLivePush implements AutoCloseable {
  private final LivePushServer server;
  private final LivePushExtension.Builder settings;
  private final List<Published> published = new CopyOnWriteArrayList<>();
  private final List<RecordingClient> clients = new CopyOnWriteArrayList<>();

  private TestLivePush(LivePushServer server, LivePushExtension.Builder settings) {
    this.server = server;
    this.settings = settings;
  }

  static TestLivePush start(LivePushExtension.Builder settings) {
    SseTransport.Builder sse = SseTransport.builder().multiTopicPath(settings.ssePath);
    settings.sse.accept(sse);
    WebSocketTransport.Builder ws = WebSocketTransport.builder().path(settings.webSocketPath);
    settings.webSocket.accept(ws);
    LivePushServer.Builder b = LivePushServer.builder().shutdownDrain(Duration.ZERO);
    settings.server.accept(b);
    LivePushServer server = b.host("127.0.0.1").port(0).transport(sse.build()).transport(ws.build()).build();
    server.start().orTimeout(settings.timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).join();
    return new TestLivePush(server, settings);
  }

  /** {@return the server} */
  public LivePushServer server() {
    return server;
  }

  /** {@return the port the server listens on (loopback)} */
  public int port() {
    return server.port();
  }

  /** {@return {@code http://127.0.0.1:<port><ssePath>}: add {@code ?topic=} or let a client do it} */
  public URI sseUri() {
    return URI.create("http://127.0.0.1:" + port() + settings.ssePath);
  }

  /** {@return {@code ws://127.0.0.1:<port><webSocketPath>}} */
  public URI webSocketUri() {
    return URI.create("ws://127.0.0.1:" + port() + settings.webSocketPath);
  }

  /** {@return how long {@code await} methods wait} */
  public Duration timeout() {
    return settings.timeout;
  }

  /**
   * Publishes {@code event} and records it for {@link RecordingClient#assertInOrderWithoutGaps()}.
   *
   * @param topic the topic or {@code null}
   * @param event the event
   * @return the id the server gave the event
   */
  public EventId publish(String topic, Event event) {
    EventId id = server.publish(topic, event);
    published.add(new Published(topic, id));
    return id;
  }

  /**
   * Publishes {@code value} as JSON ({@link Event#json(Object)}).
   *
   * @param topic the topic or {@code null}
   * @param value the payload, or an {@code Event}
   * @return the id the server gave the event
   */
  public EventId publish(String topic, Object value) {
    return publish(topic, value instanceof Event e ? e : Event.json(value));
  }

  /**
   * Ids published to {@code topics} through {@link #publish}, in id order.
   *
   * @param topics the topics
   * @return the ids
   */
  public List<EventId> published(List<String> topics) {
    List<EventId> ids = new ArrayList<>();
    for (Published p : published) {
      if (topics.contains(p.topic)) {
        ids.add(p.id);
      }
    }
    ids.sort(null);
    return ids;
  }

  /**
   * An SSE client following {@code topics}, started and live (it has its position) when this returns.
   *
   * @param topics the topics
   * @return the client, live
   */
  public RecordingClient sseClient(String... topics) {
    return client(ClientTransport.SSE, b -> {}, topics);
  }

  /**
   * A WebSocket client following {@code topics}, started and live when this returns.
   *
   * @param topics the topics
   * @return the client, live
   */
  public RecordingClient webSocketClient(String... topics) {
    return client(ClientTransport.WEBSOCKET, b -> {}, topics);
  }

  /**
   * A client on {@code transport} following {@code topics}, customised (for example {@code from}, bounds, a
   * proxy's URL via {@code sse(..)}/{@code webSocket(..)}), started and live when this returns.
   *
   * @throws AssertionError when it does not open and get a position within {@link #timeout()}
   * @param transport the transport
   * @param customizer changes the builder
   * @param topics the topics
   * @return the client, live
   */
  public RecordingClient client(ClientTransport transport, Consumer<LivePushClient.Builder> customizer,
      String... topics) {
    Objects.requireNonNull(customizer, "customizer");
    RecordingClient recorder = new RecordingClient(this, Arrays.asList(topics));
    LivePushClient.Builder b = LivePushClient.builder()
        .sse(sseUri())
        .webSocket(webSocketUri())
        .transport(transport)
        .topics(topics)
        .listener(recorder)
        .stateListener(recorder);
    customizer.accept(b);
    recorder.attach(b.build());
    clients.add(recorder);
    recorder.startLive();
    return recorder;
  }

  /** Closes every client and stops the server; called by the extension after each test. */
  @Override
  public void close() {
    for (RecordingClient c : clients) {
      c.close();
    }
    server.stop().orTimeout(settings.timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).join();
  }

  private record Published(String topic, EventId id) {}
}
