package io.livepush.longpoll;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.ReplayConfig;
import io.livepush.testing.DeliveryChecker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Clients polling in a loop while events are published: nothing lost, repeated or reordered across polls. */
class LongPollDeliveryTest {
  private static final String[] TOPICS = {"a", "b"};
  private static final int EVENTS_PER_TOPIC = 500;

  @Test
  void noLossNoRepeatAcrossManyPollsWhilePublishing() throws Exception {
    LongPollTransport transport = LongPollTransport.builder().path("/poll").maxBatchEvents(20)
        .timeout(Duration.ofMillis(300)).build();
    DeliveryChecker checker = new DeliveryChecker();
    ExecutorService threads = Executors.newFixedThreadPool(3);
    AtomicReference<String> last = new AtomicReference<>();
    int polls = 0;
    try (LivePushServer server = LivePushServer.builder().host("127.0.0.1").port(0).transport(transport)
        .replay(ReplayConfig.builder().maxEventsPerTopic(2 * EVENTS_PER_TOPIC).build()).build()) {
      server.start().join();
      Poller poller = new Poller(server.port(), "/poll");
      String start = server.publish("a", Event.text("start")).toString();
      List<CompletableFuture<Integer>> clients = new ArrayList<>();
      for (int c = 0; c < 3; c++) {
        String name = "c" + c;
        for (String t : TOPICS) {
          checker.follow(name, t, 0);
        }
        clients.add(CompletableFuture.supplyAsync(() -> pollUntilDone(poller, checker, name, start, last),
            threads));
      }
      String id = null;
      for (int i = 1; i <= EVENTS_PER_TOPIC; i++) {
        for (String t : TOPICS) {
          id = server.publish(t, Event.json(Map.of("seq", i))).toString();
          checker.published(t, i);
        }
      }
      last.set(id); // a client at this position has every event
      for (CompletableFuture<Integer> c : clients) {
        polls += c.get(60, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    DeliveryChecker.Report report = checker.check();
    assertThat(report.clean()).as(report.toString()).isTrue();
    assertThat(report.received).isEqualTo(3L * TOPICS.length * EVENTS_PER_TOPIC);
    // 1000 events in batches of at most 20: each client needed at least 50 polls.
    assertThat(polls).isGreaterThanOrEqualTo(3 * 50);
  }

  private static int pollUntilDone(Poller poller, DeliveryChecker checker, String name, String from,
      AtomicReference<String> last) {
    String position = from;
    int polls = 0;
    try {
      while (!position.equals(last.get())) {
        Poller.Answer answer = poller.poll(position, TOPICS);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.events().size()).isLessThanOrEqualTo(20);
        for (JsonNode e : answer.events()) {
          if ("reset".equals(e.path("event").asText())) {
            checker.reset(name, e.get("data").get("topic").asText());
          } else {
            checker.received(name, e.get("topic").asText(), e.get("data").get("seq").asLong());
          }
        }
        position = answer.position();
        polls++;
      }
      return polls;
    } catch (Exception e) {
      throw new IllegalStateException(name + " failed after " + polls + " polls", e);
    }
  }
}
