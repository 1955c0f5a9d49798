package io.livepush.longpoll;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.ReplayConfig;
import io.livepush.client.ClientState;
import io.livepush.client.ClientTransport;
import io.livepush.client.LivePushClient;
import io.livepush.client.LivePushListener;
import io.livepush.client.PushEvent;
import io.livepush.client.Reset;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** livepush-client's {@link ClientTransport#LONG_POLLING}: position, resume, batches, demand and resets. */
class LongPollClientTest {
  private LivePushServer server;
  private LivePushClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(ReplayConfig replay) {
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO).replay(replay)
        .transport(LongPollTransport.builder().path("/poll").maxBatchEvents(7).timeout(Duration.ofMillis(500))
            .build())
        .build();
    server.start().join();
  }

  private LivePushClient.Builder client(List<Object> seen, String from) {
    LivePushClient.Builder b = LivePushClient.builder()
        .longPoll(URI.create("http://127.0.0.1:" + server.port() + "/poll")).topics("a", "b")
        .heartbeatTimeout(Duration.ofSeconds(10)).maxBufferedEvents(4)
        .listener(new LivePushListener() {
          @Override
          public void onEvent(PushEvent event) {
            seen.add(event);
          }

          @Override
          public void onReset(Reset reset) {
            seen.add(reset);
          }
        });
    return from == null ? b : b.from(from);
  }

  @Test
  void resumesFromTheIdThroughBoundedBatchesThenLiveWithoutLossOrRepeat() throws Exception {
    start(ReplayConfig.defaults());
    EventId from = server.publish("a", Event.text("before"));
    List<String> published = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      published.add(server.publish(i % 3 == 0 ? "b" : "a", Event.json(Map.of("i", i))).toString());
    }
    List<Object> seen = new CopyOnWriteArrayList<>();
    client = client(seen, from.toString()).build();
    assertThat(client.transport()).isEqualTo(ClientTransport.LONG_POLLING);
    client.start().join();
    LongPollIntegrationTest.await(() -> seen.size() == 30);
    for (int i = 30; i < 45; i++) {
      published.add(server.publish(i % 3 == 0 ? "b" : "a", Event.json(Map.of("i", i))).toString());
    }
    LongPollIntegrationTest.await(() -> seen.size() == 45);
    List<String> ids = new ArrayList<>();
    for (Object o : seen) {
      PushEvent e = (PushEvent) o;
      ids.add(e.id());
      assertThat(e.topic()).isIn("a", "b");
      assertThat(e.as(Map.class)).containsKey("i");
    }
    assertThat(ids).containsExactlyElementsOf(published);
    LongPollIntegrationTest.await(() -> published.get(44).equals(client.position()));
    assertThat(client.state()).isEqualTo(ClientState.OPEN);
  }

  @Test
  void aPositionTheLogNoLongerHoldsGivesAResetThenLiveEvents() throws Exception {
    start(ReplayConfig.builder().maxEventsPerTopic(2).build());
    EventId gone = server.publish("a", Event.text("1"));
    for (int i = 0; i < 4; i++) {
      server.publish("a", Event.text("x" + i));
    }
    List<Object> seen = new CopyOnWriteArrayList<>();
    client = client(seen, gone.toString()).build();
    client.start().join();
    LongPollIntegrationTest.await(() -> seen.size() == 1);
    Reset reset = (Reset) seen.get(0);
    assertThat(reset.topic()).isEqualTo("a");
    assertThat(reset.reason()).isEqualTo("too-old");
    EventId live = server.publish("b", Event.text("live"));
    LongPollIntegrationTest.await(() -> seen.size() == 2);
    assertThat(((PushEvent) seen.get(1)).id()).isEqualTo(live.toString());
    assertThat(((PushEvent) seen.get(1)).data()).isEqualTo("live");
  }
}
