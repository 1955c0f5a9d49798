package io.livepush.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.AuthResult;
import io.livepush.Principal;
import io.livepush.client.ClientTransport;
import io.livepush.client.LivePushClient;
import io.livepush.client.UnexpectedResponseException;
import io.livepush.testing.CuttableProxy;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Authentication by header and by single-use ticket, on both transports; a refusal is terminal. */
class AuthenticationTest {
  private static final Set<String> TICKETS = ConcurrentHashMap.newKeySet();
  private static final AtomicInteger ISSUED = new AtomicInteger();

  @RegisterExtension
  static final LivePushExtension LIVEPUSH = LivePushExtension.builder()
      .server(b -> b.authenticator(request -> {
        if ("Bearer good".equals(request.header("Authorization"))) {
          return AuthResult.allow(Principal.of("service"));
        }
        List<String> ticket = request.queryParameters().getOrDefault("ticket", List.of());
        if (ticket.size() == 1 && TICKETS.remove(ticket.get(0))) { // single use
          return AuthResult.allow(Principal.of("ticket-holder"));
        }
        return AuthResult.unauthorized("no credentials");
      }))
      .build();

  private static String issue() {
    String t = "t" + ISSUED.incrementAndGet();
    TICKETS.add(t);
    return t;
  }

  @ParameterizedTest
  @EnumSource(value = ClientTransport.class, names = {"SSE", "WEBSOCKET"}) // long-polling: LongPollClientTest
  void aFreshTicketForEveryConnection(ClientTransport transport, TestLivePush livepush) throws Exception {
    try (CuttableProxy proxy = new CuttableProxy(livepush.port())) {
      int before = ISSUED.get();
      RecordingClient c = livepush.client(transport, b -> b
          .sse(URI.create("http://127.0.0.1:" + proxy.port() + "/live"))
          .webSocket(URI.create("ws://127.0.0.1:" + proxy.port() + "/ws"))
          .minDelay(Duration.ofMillis(10)).maxDelay(Duration.ofMillis(50))
          .heartbeatTimeout(Duration.ofSeconds(3)) // WebSocket probes with a ping after 1 s of silence
          .ticket("ticket", AuthenticationTest::issue), "t");
      livepush.publish("t", Map.of("n", 1));
      c.awaitEvents(1);
      assertThat(proxy.cutAll()).isEqualTo(1);
      livepush.publish("t", Map.of("n", 2));
      c.assertInOrderWithoutGaps();
      assertThat(ISSUED.get() - before).isGreaterThanOrEqualTo(2);
    }
  }

  @ParameterizedTest
  @EnumSource(value = ClientTransport.class, names = {"SSE", "WEBSOCKET"}) // long-polling: LongPollClientTest
  void anAuthorizationHeaderFromASupplier(ClientTransport transport, TestLivePush livepush) {
    RecordingClient c = livepush.client(transport, b -> b.authorization(() -> "Bearer good"), "t");
    livepush.publish("t", Map.of("n", 1));
    c.assertInOrderWithoutGaps();
  }

  @ParameterizedTest
  @EnumSource(value = ClientTransport.class, names = {"SSE", "WEBSOCKET"}) // long-polling: LongPollClientTest
  void aRefusalIsTerminal(ClientTransport transport, TestLivePush livepush) {
    LivePushClient client = LivePushClient.builder().sse(livepush.sseUri()).webSocket(livepush.webSocketUri())
        .transport(transport).topics("t").authorization(() -> "Bearer bad").build();
    try {
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> client.start().get(livepush.timeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
      assertThat(e.getCause()).isInstanceOf(UnexpectedResponseException.class);
      assertThat(((UnexpectedResponseException) e.getCause()).status()).isEqualTo(401);
    } finally {
      client.close();
    }
  }
}
