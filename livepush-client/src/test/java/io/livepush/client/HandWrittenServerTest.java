package io.livepush.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
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
 * {@link ServerSocket}, with every WHATWG HTML §9.2.6 feature livepush's encoder never uses.
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

  /** One accepted request: its request line and headers (names lower-cased), and the socket to answer on. */
  record Request(String line, Map<String, String> headers, Socket socket) {
    void answer(String raw) throws IOException {
      OutputStream out = socket.getOutputStream();
      out.write(raw.getBytes(StandardCharsets.UTF_8));
      out.flush();
    }
  }

  private Request accept() throws IOException {
    Socket s = server.accept();
    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
    String line = in.readLine();
    Map<String, String> headers = new TreeMap<>();
    for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
      int colon = h.indexOf(':');
      headers.put(h.substring(0, colon).trim().toLowerCase(), h.substring(colon + 1).trim());
    }
    return new Request(line, headers, s);
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
}
