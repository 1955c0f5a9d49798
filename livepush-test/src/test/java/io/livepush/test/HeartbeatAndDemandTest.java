package io.livepush.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.client.ClientTransport;
import io.livepush.client.HeartbeatTimeoutException;
import io.livepush.client.LivePushClient;
import io.livepush.client.PushEvent;
import io.livepush.client.StreamItem;
import io.livepush.testing.CuttableProxy;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A silent connection is dropped and resumed; a subscriber without demand pauses reading and loses nothing. */
@LivePushTest(heartbeatMillis = 200)
class HeartbeatAndDemandTest {

  @ParameterizedTest
  @EnumSource(value = ClientTransport.class, names = {"SSE", "WEBSOCKET"}) // long-polling: LongPollClientTest
  void aSilentConnectionIsDroppedAndResumed(ClientTransport transport, TestLivePush livepush) throws Exception {
    try (CuttableProxy proxy = new CuttableProxy(livepush.port())) {
      List<Throwable> causes = new CopyOnWriteArrayList<>();
      RecordingClient c = livepush.client(transport, b -> b
          .sse(URI.create("http://127.0.0.1:" + proxy.port() + "/live"))
          .webSocket(URI.create("ws://127.0.0.1:" + proxy.port() + "/ws"))
          .heartbeatTimeout(Duration.ofMillis(1500))
          .minDelay(Duration.ofMillis(10))
          .stateListener((state, cause, delay) -> {
            if (cause != null) {
              causes.add(cause);
            }
          }), "t");
      livepush.publish("t", Map.of("n", 1));
      c.awaitEvents(1);
      assertThat(proxy.silenceAll()).isEqualTo(1);
      livepush.publish("t", Map.of("n", 2)); // swallowed by the dead path: must come back through the resume
      c.assertInOrderWithoutGaps();
      assertThat(causes).hasAtLeastOneElementOfType(HeartbeatTimeoutException.class);
      assertThat(proxy.accepted()).isGreaterThanOrEqualTo(2);
    }
  }

  @ParameterizedTest
  @EnumSource(value = ClientTransport.class, names = {"SSE", "WEBSOCKET"}) // long-polling: LongPollClientTest
  void aSubscriberWithoutDemandPausesReadingAndLosesNothing(ClientTransport transport, TestLivePush livepush) {
    int max = 8;
    int total = 300;
    LivePushClient client = LivePushClient.builder().sse(livepush.sseUri()).webSocket(livepush.webSocketUri())
        .transport(transport).topics("t").maxBufferedEvents(max).build();
    AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
    List<StreamItem> received = new CopyOnWriteArrayList<>();
    client.events().subscribe(new Flow.Subscriber<>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        subscription.set(s);
      }

      @Override
      public void onNext(StreamItem item) {
        received.add(item);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onComplete() {}
    });
    try {
      client.start().join();
      RecordingClient probe = livepush.sseClient("probe"); // only for its await()
      probe.await("a position", () -> client.position() != null);
      List<EventId> published = new ArrayList<>();
      String pad = "x".repeat(1000);
      for (int i = 1; i <= total; i++) {
        published.add(livepush.publish("t", Event.json(Map.of("n", i, "pad", pad))));
      }
      subscription.get().request(3);
      probe.await("3 events and a full buffer", () -> received.size() == 3 && client.bufferedEvents() == max);
      // Read exactly as far as demand plus the bound: had it read on, it would have to hold or drop the rest.
      assertThat(client.bufferedEvents()).isEqualTo(max);
      assertThat(received).hasSize(3);
      subscription.get().request(Long.MAX_VALUE);
      probe.await(total + " events", () -> received.size() >= total);
      assertThat(received).extracting(i -> EventId.parse(((PushEvent) i).id())).containsExactlyElementsOf(published);
    } finally {
      client.close();
    }
  }
}
