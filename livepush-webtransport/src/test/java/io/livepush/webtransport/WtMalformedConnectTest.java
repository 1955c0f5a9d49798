package io.livepush.webtransport;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.AuthResult;
import io.livepush.Authenticator;
import io.livepush.LivePushServer;
import io.livepush.Principal;
import io.livepush.RequestInfo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Extended CONNECTs carrying what HTTP/1.1 and HTTP/2 refuse in their codecs (NUL, CR, LF, U+2028 in the path; CR or
 * NUL in a value; CR or upper case in a name): malformed (RFC 9114 §4.1.2), so each gets 400 before admission — the
 * application never sees the value — and the log line about it (WtConnect at DEBUG, see simplelogger.properties)
 * quotes the client's bytes escaped. The QUIC connection goes on serving.
 */
class WtMalformedConnectTest {
  private LivePushServer server;
  private WtTestClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void malformedConnectsGet400BeforeAdmissionAndAreLoggedEscaped() throws Exception {
    List<RequestInfo> admitted = new CopyOnWriteArrayList<>();
    WebTransportTransport wt = WtServers.transport(WebTransportTransport.builder().allowedOrigins("https://app.example"));
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .authenticator(Authenticator.nonBlocking(r -> {
          admitted.add(r);
          return AuthResult.allow(Principal.ANONYMOUS);
        })).transport(wt).build();
    server.start().join();
    client = new WtTestClient(server.port());
    String[][] cases = {
        {"/wt?a=1\r\nINJ-PATH"},
        {"/wt?a=\u0000"},
        {"/wt?a=\u2028\u010a"},
        {"/wt", "authorization", "Bearer a\r\nINJ-VALUE"},
        {"/wt", "x-evil\r\nINJ-NAME", "v"},
        {"/wt", "X-Upper", "v"},
        {"/wt", "x-nul", "a\u0000b"},
    };
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      for (String[] c : cases) {
        WtTestClient.Session s = c.length == 1 ? client.connect(c[0], "https://app.example")
            : client.connect(c[0], "https://app.example", c[1], c[2]);
        // 400, or (names the QPACK decoder itself refuses) the stream reset with H3_MESSAGE_ERROR: never a hang
        java.util.concurrent.CompletableFuture.anyOf(s.status, s.closed, s.connectError).get(10, TimeUnit.SECONDS);
        if (s.status.isDone()) {
          assertThat(s.status.get()).as("status for %s", Arrays.toString(c)).isEqualTo(400);
        } else {
          boolean badName = c.length == 3 && !c[1].matches("[a-z-]+");
          assertThat(badName).as("only a name the decoder refuses ends without 400: %s", Arrays.toString(c)).isTrue();
          assertThat(s.connectError).as("reset (RFC 9114 §4.1.2), not a bare FIN: %s", Arrays.toString(c)).isDone();
        }
      }
    } finally {
      System.setErr(original);
    }
    assertThat(admitted).as("no malformed CONNECT reached the application").isEmpty();
    assertThat(client.connect("/wt", "https://app.example").status.get(10, TimeUnit.SECONDS)).isEqualTo(200);

    List<String> lines = Arrays.asList(captured.toString(StandardCharsets.UTF_8).split("\n"));
    assertThat(lines).as("a line for the value and one for the name").anyMatch(l -> l.contains("\\u000d\\u000a"));
    assertThat(lines).noneMatch(l -> l.startsWith("INJ")).noneMatch(l -> l.contains("\u0000"));
  }
}
