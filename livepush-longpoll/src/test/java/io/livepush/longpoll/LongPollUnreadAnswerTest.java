package io.livepush.longpoll;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.testing.Await;
import io.livepush.testing.RawH2;
import io.livepush.testing.RawH2.Frame;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client that asks for a poll and then never reads its answer: over HTTP/2 it returns no flow-control credit
 * at all ({@code SETTINGS_INITIAL_WINDOW_SIZE} 0, RFC 9113 §6.9.2), so not one byte of the answer can leave
 * the server. The poll is answered (the session is over), but the answer's stream must not hold its poll and
 * connection slot for ever: it is cut after the stall bound ({@code heartbeatInterval + heartbeatTimeout}).
 */
class LongPollUnreadAnswerTest {
  private static final byte[] INITIAL_WINDOW_ZERO = {0, 4, 0, 0, 0, 0};
  private LivePushServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private LongPollTransport start() {
    LongPollTransport transport = LongPollTransport.builder().path("/poll").maxPolls(1).build();
    server = LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(1)
        .heartbeatInterval(Duration.ofSeconds(1)).heartbeatTimeout(Duration.ofSeconds(1))
        .transport(transport).build();
    server.start().join();
    return transport;
  }

  @Test
  void anAnswerThatCannotBeSentIsResetAfterTheStallBoundAndGivesItsPollBack() throws Exception {
    LongPollTransport transport = start();
    EventId first = server.publish("a", Event.text("one"));
    server.publish("a", Event.text("two"));
    try (RawH2 c = RawH2.connect(server.port(), false)) {
      c.raw(RawH2.PREFACE);
      c.frame(RawH2.SETTINGS, 0, 0, INITIAL_WINDOW_ZERO);
      c.get(1, "/poll?topic=a&lastEventId=" + first);
      Frame head = c.await(f -> f.type() == RawH2.HEADERS && f.stream() == 1);
      assertThat(head.headers().status().toString()).isEqualTo("200");
      Frame reset = c.await(f -> f.stream() == 1 && (f.type() == RawH2.RST_STREAM || f.type() == RawH2.DATA));
      assertThat(reset.type()).as("no DATA can be sent without a window").isEqualTo(RawH2.RST_STREAM);
      Await.until("the poll given back", LongPollIntegrationTest.HANG_GUARD, () -> transport.polls() == 0);
      Await.until("the stream's slot given back", LongPollIntegrationTest.HANG_GUARD,
          () -> server.stats().connections() == 0);
      // The connection itself still serves: a poll with a window gets its answer.
      c.windowUpdate(0, 1 << 20);
      c.frame(RawH2.SETTINGS, 0, 0, new byte[] {0, 4, 0, 1, 0, 0});
      c.get(3, "/poll?topic=a&lastEventId=" + first);
      c.awaitText(3, "\"position\"");
      assertThat(c.text.get(3).toString()).contains("\"data\":\"two\"");
    }
  }
}
