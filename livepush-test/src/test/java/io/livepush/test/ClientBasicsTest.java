package io.livepush.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.client.ClientTransport;
import io.livepush.client.PushEvent;
import io.livepush.client.Reset;
import io.livepush.testing.Await;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The client against livepush on real sockets, on both transports. */
@LivePushTest(replayEventsPerTopic = 3)
class ClientBasicsTest {

  @ParameterizedTest
  @EnumSource(value = ClientTransport.class, names = {"SSE", "WEBSOCKET"}) // long-polling: LongPollClientTest
  void receivesTypedEventsOfEveryTopicInOrder(ClientTransport transport, TestLivePush livepush) {
    RecordingClient fan = livepush.client(transport, b -> {}, "match:1", "match:2");
    for (int i = 1; i <= 5; i++) {
      livepush.publish("match:" + (i % 2 + 1), Event.json(Map.of("n", i)).withType("score"));
    }
    livepush.publish("match:1", Event.text("multi\nline"));
    fan.assertInOrderWithoutGaps();
    PushEvent first = fan.events().get(0);
    assertThat(first.type()).isEqualTo("score");
    assertThat(first.as(Score.class).n()).isEqualTo(1);
    assertThat(fan.events().get(5).data()).isEqualTo("multi\nline");
    assertThat(fan.client().position()).isEqualTo(fan.events().get(5).id());
  }

  @ParameterizedTest
  @EnumSource(value = ClientTransport.class, names = {"SSE", "WEBSOCKET"}) // long-polling: LongPollClientTest
  void resumesFromAnEarlierPositionOrSaysReset(ClientTransport transport, TestLivePush livepush) {
    String start = livepush.publish("t", Map.of("n", 0)).toString();
    for (int i = 1; i <= 2; i++) {
      livepush.publish("t", Map.of("n", i));
    }
    RecordingClient resumed = livepush.client(transport, b -> b.from(start), "t");
    assertThat(resumed.awaitEvents(2)).extracting(e -> e.as(Score.class).n()).containsExactly(1, 2);
    for (int i = 3; i <= 6; i++) { // the log keeps 3 per topic: n=0 is long gone
      livepush.publish("t", Map.of("n", i));
    }
    RecordingClient late = livepush.client(transport, b -> b.from(start), "t");
    late.assertReset("t", Reset.TOO_OLD);
    assertThat(late.items().get(0)).isInstanceOf(Reset.class);
  }

  @ParameterizedTest
  @EnumSource(value = ClientTransport.class, names = {"SSE", "WEBSOCKET"}) // long-polling: LongPollClientTest
  void startsFromATimeThenGoesLive(ClientTransport transport, TestLivePush livepush) throws Exception {
    livepush.publish("t", Map.of("n", 0));
    Instant t = Instant.now();
    // the wall clock is awaited past t, so n=0 is before it and n=1 after it
    Await.until("the clock moves on", Duration.ofSeconds(5), () -> Instant.now().isAfter(t.plusMillis(2)));
    livepush.publish("t", Map.of("n", 1));
    livepush.publish("t", Map.of("n", 2));
    RecordingClient fromTime = livepush.client(transport, b -> b.since(t), "t");
    assertThat(fromTime.awaitEvents(2)).extracting(e -> e.as(Score.class).n()).containsExactly(1, 2);
    livepush.publish("t", Map.of("n", 3));
    assertThat(fromTime.awaitEvents(3)).extracting(e -> e.as(Score.class).n()).containsExactly(1, 2, 3);
  }

  record Score(int n) {}
}
