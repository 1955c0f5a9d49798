package io.livepush.micrometer;

import static io.livepush.testing.ClusterClients.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.SlowConsumerPolicy;
import io.livepush.sse.SseTransport;
import io.livepush.websocket.WebSocketTransport;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The binder under real traffic: SSE (JDK HttpClient) and WebSocket (JDK WebSocket) subscribers on a real port,
 * a resume, a reset, a slow consumer on a raw socket that never reads; read back through a SimpleMeterRegistry
 * and a Prometheus scrape.
 */
class LivePushMeterBinderTest {
  private static final int BUDGET = 32 * 1024;

  private final HttpClient http = HttpClient.newHttpClient();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private LivePushServer server;
  private LivePushMeterBinder binder;

  @AfterEach
  void stop() {
    if (binder != null) {
      binder.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** An SSE stream read line by line on its own thread; {@link #close} cancels it. */
  private final class Sse implements AutoCloseable {
    final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile java.io.InputStream body;

    Sse(String path, String lastEventId) throws Exception {
      HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
          .header("Accept", "text/event-stream");
      if (lastEventId != null) {
        r.header("Last-Event-ID", lastEventId);
      }
      HttpResponse<java.io.InputStream> resp = http.send(r.build(), HttpResponse.BodyHandlers.ofInputStream());
      assertThat(resp.statusCode()).isEqualTo(200);
      body = resp.body();
      reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
          for (String line; (line = in.readLine()) != null; ) {
            lines.add(line);
          }
        } catch (Exception closed) {
          // closed by the test
        }
      }, "sse-reader");
      reader.setDaemon(true);
      reader.start();
    }

    long count(String prefix) {
      return lines.stream().filter(l -> l.startsWith(prefix)).count();
    }

    @Override
    public void close() throws Exception {
      body.close();
      reader.join(10_000);
    }
  }

  private double counter(String name, String... tags) {
    return registry.get(name).tags(tags).functionCounter().count();
  }

  private double gauge(String name, String... tags) {
    return registry.get(name).tags(tags).gauge().value();
  }

  @Test
  void countsRealTrafficResumesResetsAndSlowConsumers() throws Exception {
    server = LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(2).shutdownDrain(Duration.ZERO)
        .maxPendingOutboundBytes(BUDGET)
        .slowConsumerPolicy(SlowConsumerPolicy.DISCONNECT)
        .transport(SseTransport.builder().route("/t/{id}", "{id}").build())
        .transport(WebSocketTransport.builder().build())
        .build();
    binder = new LivePushMeterBinder(server, Tags.of("node", "a"));
    binder.bindTo(registry); // before start: meters read 0 until the server runs
    binder.bindTo(prometheus);
    assertThat(gauge("livepush.connections", "transport", "sse")).isZero();
    server.start().join();

    Sse sse = new Sse("/t/news", null);
    List<String> wsText = new CopyOnWriteArrayList<>();
    WebSocket ws = http.newWebSocketBuilder().subprotocols("livepush.v1")
        .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws"), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            wsText.add(data.toString());
            w.request(1);
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    ws.sendText("{\"type\":\"subscribe\",\"topics\":[\"news\"]}", true).get(10, TimeUnit.SECONDS);
    // The markers, not the gauges: a subscription counts before its (empty) replay has run, and an event
    // published in that gap is counted as replayed, not delivered.
    await("both subscribed", () -> gauge("livepush.subscriptions", "transport", "websocket") == 1
        && gauge("livepush.subscriptions", "transport", "sse") == 1
        && sse.count("event: livepush.position") == 1
        && wsText.stream().anyMatch(t -> t.contains("\"type\":\"subscribed\"")));
    assertThat(gauge("livepush.connections", "transport", "sse", "node", "a")).isEqualTo(1);
    assertThat(gauge("livepush.connections", "transport", "websocket")).isEqualTo(1);

    EventId first = null;
    for (int i = 0; i < 10; i++) {
      EventId id = server.publish("news", Event.text("n" + i));
      first = first == null ? id : first;
    }
    await("10 events on each client", () -> sse.count("data: n") == 10
        && wsText.stream().filter(t -> t.contains("\"type\":\"event\"")).count() == 10);
    assertThat(counter("livepush.events.published")).isEqualTo(10);
    await("20 deliveries counted", () -> counter("livepush.events.delivered") == 20);
    assertThat(counter("livepush.written")).isGreaterThan(20 * 2);
    assertThat(registry.get("livepush.delivery.latency").timer().count()).isBetween(10L, 20L);
    assertThat(registry.get("livepush.delivery.latency").timer().max(TimeUnit.NANOSECONDS)).isPositive();

    // A resume from the log, and one from an unknown epoch (a reset).
    try (Sse resumed = new Sse("/t/news", first.toString());
        Sse reset = new Sse("/t/news", EventId.of(server.epoch() + 1, 3).toString())) {
      await("replayed 9 events", () -> resumed.count("data: n") == 9);
      await("reset received", () -> reset.count("event: reset") == 1);
      assertThat(counter("livepush.resumes", "source", "log")).isEqualTo(1);
      assertThat(counter("livepush.resumes", "source", "bus")).isZero();
      assertThat(counter("livepush.resets", "reason", "epoch-changed")).isEqualTo(1);
      assertThat(counter("livepush.events.replayed")).isEqualTo(9);
    }

    // A slow consumer: a raw socket with a tiny receive window that never reads.
    try (Socket stalled = new Socket()) {
      stalled.setReceiveBufferSize(1024);
      stalled.connect(new InetSocketAddress("127.0.0.1", server.port()));
      OutputStream out = stalled.getOutputStream();
      out.write("GET /t/slow HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      await("slow subscriber", () -> gauge("livepush.subscriptions", "transport", "sse") == 2);
      String pad = "\"" + "x".repeat(1000) + "\"";
      for (int i = 0; i < 50_000 && counter("livepush.slow.consumer.actions", "policy", "disconnect") == 0;
          i++) {
        server.publish("slow", Event.rawJson(pad));
      }
      assertThat(counter("livepush.slow.consumer.actions", "policy", "disconnect")).isEqualTo(1);
      assertThat(counter("livepush.slow.consumer.actions", "policy", "keep_latest")).isZero();
    }

    sse.close();
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
    await("gauges back to 0", () -> gauge("livepush.connections", "transport", "sse") == 0
        && gauge("livepush.connections", "transport", "websocket") == 0
        && gauge("livepush.subscriptions", "transport", "sse") == 0
        && gauge("livepush.subscriptions", "transport", "websocket") == 0);

    String scrape = prometheus.scrape();
    assertThat(scrape)
        .containsPattern("livepush_events_published_total\\{node=\"a\"} [1-9]")
        .containsPattern("livepush_events_delivered_total\\{node=\"a\"} [1-9]")
        .contains("livepush_connections{node=\"a\",transport=\"sse\"} 0.0")
        .contains("livepush_subscriptions{node=\"a\",transport=\"websocket\"} 0.0")
        .containsPattern("livepush_written_bytes_total\\{node=\"a\"} [1-9]")
        .contains("livepush_resumes_total{node=\"a\",source=\"log\"} 1.0")
        .contains("livepush_resets_total{node=\"a\",reason=\"epoch-changed\"} 1.0")
        .contains("livepush_slow_consumer_actions_total{node=\"a\",policy=\"disconnect\"} 1.0")
        .contains("livepush_refusals_total{node=\"a\",reason=\"max-connections\"} 0.0")
        .containsPattern("livepush_delivery_latency_seconds_count\\{node=\"a\"} [1-9]");
    assertThat(scrape).doesNotContain("livepush_bus_publish"); // no bus configured
  }
}
