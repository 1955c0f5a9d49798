package io.livepush.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The SSE client against a server that is not livepush: event streams written by hand on a raw
 * {@link ServerSocket}, with every WHATWG HTML §9.2.6 feature livepush's encoder never uses; and against a hostile
 * one (ids it cannot send back as they are, lines that never end, absurd {@code retry} values, redirects, streams
 * that end before their first event): bounded memory and the documented behaviour (docs/java-client.md).
 */
class HandWrittenServerTest {
  private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
  private ServerSocket server;
  private LivePushClient client;

  @AfterEach
  void tearDown() throws IOException {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** One accepted request: its request line, headers (names lower-cased), raw head bytes, and the socket. */
  record Request(String line, Map<String, String> headers, byte[] head, Socket socket) {
    void answer(String raw) throws IOException {
      OutputStream out = socket.getOutputStream();
      out.write(raw.getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    /** The raw bytes of header {@code name}'s value as sent, or {@code null}. */
    byte[] rawHeader(String name) {
      for (String h : new String(head, StandardCharsets.ISO_8859_1).split("\r\n")) {
        int colon = h.indexOf(':');
        if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase(name)) {
          return h.substring(colon + 1).trim().getBytes(StandardCharsets.ISO_8859_1);
        }
      }
      return null;
    }
  }

  private Request accept() throws IOException {
    server.setSoTimeout(10_000);
    Socket s = server.accept();
    InputStream in = s.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    for (int b; !endsWithBlankLine(head) && (b = in.read()) >= 0; ) {
      head.write(b);
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    Map<String, String> headers = new TreeMap<>();
    for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(), lines[i].substring(colon + 1).trim());
    }
    return new Request(lines[0], headers, head.toByteArray(), s);
  }

  private static boolean endsWithBlankLine(ByteArrayOutputStream head) {
    byte[] h = head.toByteArray();
    return h.length >= 4 && Arrays.equals(h, h.length - 4, h.length, new byte[] {'\r', '\n', '\r', '\n'}, 0, 4);
  }

  private static final String OK = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";

  private LivePushClient start(LivePushClient.Builder b) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    client = b.sse(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/stream?x=1"))
        .minDelay(Duration.ofMillis(5)).maxDelay(Duration.ofMillis(50))
        .listener(new LivePushListener() {
          @Override
          public void onEvent(PushEvent event) {
            received.add(event);
          }

          @Override
          public void onReset(Reset reset) {
            received.add(reset);
          }

          @Override
          public void onClosed(Throwable cause) {
            received.add(cause == null ? "closed" : cause);
          }
        }).build();
    client.start();
    return client;
  }

  private Object nextItem() throws InterruptedException {
    Object o = received.poll(10, TimeUnit.SECONDS);
    assertThat(o).as("something within 10 s").isNotNull();
    return o;
  }

  private PushEvent next() throws InterruptedException {
    Object o = received.poll(10, TimeUnit.SECONDS);
    assertThat(o).as("an event within 10 s").isInstanceOf(PushEvent.class);
    return (PushEvent) o;
  }

  @Test
  void parsesAHandWrittenStreamAndResumesWithTheLastEventId() throws Exception {
    start(LivePushClient.builder().topics("only"));
    Request first = accept();
    assertThat(first.line()).isEqualTo("GET /stream?x=1&topic=only HTTP/1.1");
    assertThat(first.headers()).containsEntry("accept", "text/event-stream").doesNotContainKey("last-event-id");
    first.answer(OK
        + "\uFEFF: a comment, then CRLF line ends\r\n"
        + "retry: 20\r\n"
        + "id: 1\r\nevent: greeting\r\ndata: hello\r\ndata:  world\r\n\r\n"
        + "data: no id field keeps id 1\rdata\r\r" // CR only; a field without colon appends an empty line
        + "id: 2\n\n" // id without data: dispatches nothing, moves the position
        + "event: ignored\n\n" // no data: nothing
        + "id: 3\0x\ndata: NUL in id is ignored\n\n"
        + "event: reset\ndata: not livepush's JSON\n\n"
        + "id: 5\nevent: livepush.position\ndata: {\"id\":\"5\"}\n\n" // livepush's position: no item
        + "id: 4\ndata: cut before the blank line"); // never dispatched
    PushEvent e1 = next();
    assertThat(e1.type()).isEqualTo("greeting");
    assertThat(e1.data()).isEqualTo("hello\n world");
    assertThat(e1.id()).isEqualTo("1");
    assertThat(e1.topic()).isEqualTo("only");
    PushEvent e2 = next();
    assertThat(e2.data()).isEqualTo("no id field keeps id 1\n");
    assertThat(e2.id()).isEqualTo("1");
    assertThat(e2.type()).isNull();
    PushEvent e3 = next();
    assertThat(e3.data()).isEqualTo("NUL in id is ignored");
    assertThat(e3.id()).isEqualTo("2");
    PushEvent e4 = next();
    assertThat(e4.type()).isEqualTo("reset"); // another server's "reset" is an ordinary event
    first.socket().close();

    Request second = accept();
    assertThat(second.headers()).containsEntry("last-event-id", "5");
    second.answer(OK + "data: after\n\n");
    assertThat(next().data()).isEqualTo("after");
    assertThat(client.position()).isEqualTo("5");
    assertThat(received).isEmpty();
  }

  @Test
  void retriesA503AfterRetryAfterAndStopsAtA404() throws Exception {
    List<String> states = new ArrayList<>();
    start(LivePushClient.builder().stateListener((s, cause, delay) -> states.add(s + " " + delay.toMillis())));
    accept().answer("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n");
    Request again = accept();
    again.answer("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    Object end = received.poll(10, TimeUnit.SECONDS);
    assertThat(end).isInstanceOf(UnexpectedResponseException.class);
    assertThat(((UnexpectedResponseException) end).status()).isEqualTo(404);
    client.whenClosed().get(10, TimeUnit.SECONDS);
    assertThat(client.state()).isEqualTo(ClientState.CLOSED);
  }

  @Test
  void tooLargeEventsAreTerminal() throws Exception {
    start(LivePushClient.builder().maxEventBytes(10));
    accept().answer(OK + "data: 0123456789ABCDEF\n\n");
    Object end = received.poll(10, TimeUnit.SECONDS);
    assertThat(end).isInstanceOf(EventTooLargeException.class);
    client.whenClosed().get(10, TimeUnit.SECONDS);
    assertThat(client.state()).isEqualTo(ClientState.CLOSED);
  }

  @Test
  void aWrongContentTypeIsTerminal() throws Exception {
    start(LivePushClient.builder());
    accept().answer("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nhi");
    assertThat(client.start()).failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(UnexpectedResponseException.class)
        .withMessageContaining("text/html");
  }

  @Test
  void givesUpAfterMaxReconnectAttempts() throws Exception {
    start(LivePushClient.builder().maxReconnectAttempts(2));
    Thread closer = new Thread(() -> {
      try {
        while (true) {
          accept().socket().close(); // no answer at all
        }
      } catch (IOException e) {
        // server closed by tearDown
      }
    });
    closer.setDaemon(true);
    closer.start();
    Object end = received.poll(10, TimeUnit.SECONDS);
    assertThat(end).isInstanceOf(ReconnectsExhaustedException.class);
    assertThat(((ReconnectsExhaustedException) end).attempts()).isEqualTo(2);
    assertThat(client.start()).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(Exception.class)
        .withCauseInstanceOf(ReconnectsExhaustedException.class);
  }

  // ---- a hostile server: ids it cannot send back, endless lines, absurd retry, redirects ------------------

  /**
   * An id {@code java.net.http} cannot send back as it is — a control character (refused) or any non-ASCII
   * character (sent as {@code ?}: the server would be asked to resume from an id it never sent) — stops the client
   * with a typed exception once it must reconnect, instead of failing every attempt locally or resuming from a
   * mangled id; resuming without the id would silently skip events.
   */
  @Test
  void anIdWithAControlCharacterStopsTheClientTyped() throws Exception {
    assertUnsendableIdStopsTheClient("a\u0001b");
  }

  @Test
  void aNonAsciiIdStopsTheClientRatherThanBeingSentAsQuestionMarks() throws Exception {
    assertUnsendableIdStopsTheClient("caf\u00e9");
  }

  private void assertUnsendableIdStopsTheClient(String id) throws Exception {
    start(LivePushClient.builder());
    Request first = accept();
    first.answer(OK + "id: " + id + "\ndata: one\n\n");
    assertThat(((PushEvent) nextItem()).id()).isEqualTo(id);
    first.socket().close();
    Object end = nextItem();
    assertThat(end).isInstanceOf(PositionNotSendableException.class);
    assertThat(((Throwable) end).getMessage()).contains("Last-Event-ID").doesNotContain(id);
    client.whenClosed().get(10, TimeUnit.SECONDS);
    assertThat(client.state()).isEqualTo(ClientState.CLOSED);
  }

  @Test
  void callerValuesJavaNetHttpWouldAlterAreRefusedAtBuild() {
    assertThatThrownBy(() -> LivePushClient.builder().from("caf\u00e9")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LivePushClient.builder().header("X-Tenant", "caf\u00e9"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LivePushClient.builder().header("X-Tenant", "a\u010Ab"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aLineThatNeverEndsIsBoundedAndTerminal() throws Exception {
    start(LivePushClient.builder().maxEventBytes(64 * 1024));
    Request r = accept();
    Thread flood = new Thread(() -> {
      try {
        OutputStream out = r.socket().getOutputStream();
        out.write(OK.getBytes(StandardCharsets.US_ASCII));
        out.write("data: ".getBytes(StandardCharsets.US_ASCII));
        byte[] x = new byte[8192];
        Arrays.fill(x, (byte) 'x');
        while (true) {
          out.write(x); // until the client hangs up
        }
      } catch (IOException e) {
        // the client gave up: expected
      }
    });
    flood.setDaemon(true);
    flood.start();
    Object end = nextItem();
    assertThat(end).isInstanceOf(EventTooLargeException.class);
    flood.join(10_000);
    assertThat(flood.isAlive()).as("the client closed the connection").isFalse();
  }

  @Test
  void absurdRetryValuesAreIgnoredOrCappedByMaxDelay() throws Exception {
    start(LivePushClient.builder().maxDelay(Duration.ofMillis(200)));
    Request first = accept();
    first.answer(OK + "retry: -1\nretry: 1e3\nretry: 99999999999999999999999999\ndata: one\n\n");
    nextItem();
    first.socket().close();
    long t0 = System.nanoTime();
    accept().answer(OK + "data: two\n\n");
    assertThat(((PushEvent) nextItem()).data()).isEqualTo("two");
    // Not a performance bound: a retry taken as ~3e18 ms instead of maxDelay would never reconnect at all.
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
  }

  /**
   * A redirect to another origin never carries the credentials: {@code java.net.http} following redirects sends
   * {@code Authorization} and the configured headers to the new host as they are (the default client followed
   * them, so a hostile or misconfigured server could collect the bearer token). A {@code 3xx} is terminal, as
   * docs/java-client.md says of every answer other than 200, 408, 429 and 5xx.
   */
  @Test
  void aRedirectIsTerminalAndNeverCarriesTheCredentialsElsewhere() throws Exception {
    try (ServerSocket elsewhere = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      start(LivePushClient.builder().authorization(() -> "Bearer secret").header("X-Api-Key", "k"));
      accept().answer("HTTP/1.1 302 Found\r\nLocation: http://localhost:" + elsewhere.getLocalPort()
          + "/collect\r\nContent-Length: 0\r\n\r\n");
      Object end = nextItem();
      assertThat(end).isInstanceOf(UnexpectedResponseException.class);
      assertThat(((UnexpectedResponseException) end).status()).isEqualTo(302);
      client.whenClosed().get(10, TimeUnit.SECONDS);
      elsewhere.setSoTimeout(200); // the client is closed: nothing can connect any more
      assertThatThrownBy(elsewhere::accept).isInstanceOf(java.net.SocketTimeoutException.class);
    }
  }

  @Test
  void aStreamThatEndsBeforeItsFirstEventIsRetried() throws Exception {
    start(LivePushClient.builder().topics("t"));
    Request first = accept();
    first.answer(OK + ": only a comment\n");
    first.socket().close();
    accept().answer(OK + "data: finally\n\n");
    assertThat(((PushEvent) nextItem()).data()).isEqualTo("finally");
    assertThat(client.start()).isCompleted();
  }
}
