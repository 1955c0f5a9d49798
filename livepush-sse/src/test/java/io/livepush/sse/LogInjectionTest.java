package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.LivePushServer;
import io.livepush.spi.LogSafe;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Log injection (CWE-117): client values reach log lines neutralised and bounded. Captures slf4j-simple's
 * output (it writes to the current {@code System.err}) while a hostile request goes through a real socket.
 */
class LogInjectionTest {

  @Test
  void pathWithCrLfThroughAnAuthenticatorFailureIsOneLogLine() throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    LivePushServer server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .authenticator(req -> {
          throw new IllegalStateException("token store down for " + req.path());
        })
        .transport(SseTransport.builder().route("/m/{id}", "m:{id}").build())
        .build();
    server.start().join();
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try (RawHttp c = new RawHttp(server.port())) {
        RawHttp.Response r = c.exchange("GET /m/x%0d%0a%5bmain%5d%20WARN%20FORGED%20line%0a%1b%5b31m HTTP/1.1\r\n"
            + "Host: 127.0.0.1\r\n\r\n");
        assertThat(r.status()).isEqualTo(401);
      }
    } finally {
      System.setErr(original);
      server.close();
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    List<String> lines = Arrays.asList(log.split("\n"));
    List<String> warn = lines.stream().filter(l -> l.contains("authenticator failed")).toList();
    assertThat(warn).hasSize(1);
    assertThat(warn.get(0)).contains("GET /m/x\\u000d\\u000a[main] WARN FORGED line\\u000a\\u001b[31m");
    assertThat(lines).as("no line starts with the forged text").noneMatch(l -> l.startsWith("[main] WARN FORGED"))
        .noneMatch(l -> l.contains("\u001b"));
    String cause = lines.stream().filter(l -> l.contains("IllegalStateException")).findFirst().orElseThrow();
    assertThat(cause).contains("token store down for /m/x\\u000d\\u000a[main]");
  }

  @Test
  void logSafeEscapesControlsBoundsLengthAndKeepsCleanValues() {
    assertThat(LogSafe.of("GET /m/1")).isEqualTo("GET /m/1");
    assertThat(LogSafe.of("a\r\nb\u0085c\u2028d\u202ee\\u000a")).isEqualTo(
        "a\\u000d\\u000ab\\u0085c\\u2028d\\u202ee\\\\u000a");
    assertThat(LogSafe.of("x\ud800y")).isEqualTo("x\\ud800y");
    assertThat(LogSafe.of("\ud83d\ude00")).isEqualTo("\ud83d\ude00");
    String longValue = "a".repeat(LogSafe.MAX_LENGTH + 10);
    assertThat(LogSafe.of(longValue)).isEqualTo("a".repeat(LogSafe.MAX_LENGTH) + "…(10 more)");
    assertThat(LogSafe.of((Object) null)).isEqualTo("null");
    Throwable t = LogSafe.throwable(new RuntimeException("bad\nline", new IllegalStateException("in\rner")));
    assertThat(t.toString()).isEqualTo("java.lang.RuntimeException: bad\\u000aline");
    assertThat(t.getCause().toString()).isEqualTo("java.lang.IllegalStateException: in\\u000dner");
    assertThat(t.getStackTrace()).isNotEmpty();
  }
}
