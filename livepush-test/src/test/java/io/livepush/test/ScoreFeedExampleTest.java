package io.livepush.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.client.Reset;
import org.junit.jupiter.api.Test;

/**
 * How an application tests its own push behaviour with the kit: a server per test, clients that record, and
 * assertions that read like the feature. (The "application" here is two lines of publishing.)
 */
@LivePushTest(replayEventsPerTopic = 2)
class ScoreFeedExampleTest {

  /** The application's score: a record, so Jackson writes its fields in declaration order. */
  record Score(int home, int away) {}

  /** The application code under test: publishes a goal. */
  static void goal(TestLivePush livepush, String match, int home, int away) {
    livepush.publish("match:" + match, Event.json(new Score(home, away)).withType("score"));
  }

  @Test
  void fansOnEitherTransportSeeEveryGoalInOrder(TestLivePush livepush) {
    RecordingClient browserLike = livepush.sseClient("match:7");
    RecordingClient service = livepush.webSocketClient("match:7");

    goal(livepush, "7", 1, 0);
    goal(livepush, "7", 1, 1);
    goal(livepush, "7", 2, 1);

    browserLike.assertInOrderWithoutGaps();
    service.assertInOrderWithoutGaps()
        .assertData("{\"home\":1,\"away\":0}", "{\"home\":1,\"away\":1}", "{\"home\":2,\"away\":1}");
  }

  @Test
  void aFanBackFromALongAbsenceIsToldToReload(TestLivePush livepush) {
    RecordingClient fan = livepush.sseClient("match:7");
    goal(livepush, "7", 1, 0);
    String lastSeen = fan.awaitEvents(1).get(0).id();
    fan.close();

    goal(livepush, "7", 2, 0);
    goal(livepush, "7", 3, 0);
    goal(livepush, "7", 4, 0); // the log keeps 2 per topic: 2-0 is gone

    RecordingClient back = livepush.client(io.livepush.client.ClientTransport.SSE, b -> b.from(lastSeen),
        "match:7");
    back.assertReset("match:7", Reset.TOO_OLD);
    goal(livepush, "7", 5, 0);
    back.await("the live goal after the reset", () -> back.events().stream().anyMatch(e -> e.data().contains("5")));
    assertThat(back.items().get(0)).isInstanceOf(Reset.class);
  }
}
