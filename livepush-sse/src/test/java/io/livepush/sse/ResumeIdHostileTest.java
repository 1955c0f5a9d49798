package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import io.livepush.ReplayConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Resume ids over SSE after the change to {@code StreamRequests.resumePosition} (only SP and HTAB around an id are
 * ignored): {@code Last-Event-ID} and {@code lastEventId} with CR, LF, NUL, U+010A, U+2028, raw and
 * percent-encoded, are a 400 whose head and body carry nothing of the value's controls; spaces and tabs around a
 * valid id resume from it (break7 break pass: held).
 */
class ResumeIdHostileTest {
  private LivePushServer server;
  private EventId first;
  private EventId second;

  @BeforeEach
  void start() {
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .replay(ReplayConfig.builder().build())
        .transport(SseTransport.builder().multiTopicPath("/events").build()).build();
    server.start().join();
    first = server.publish("a", Event.text("1"));
    second = server.publish("a", Event.text("2"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** Sends {@code request} as ISO-8859-1 bytes; returns the socket to read the answer from. */
  private Socket send(String request) throws IOException {
    Socket s = new Socket("127.0.0.1", server.port());
    s.setSoTimeout(30_000);
    s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    return s;
  }

  /** Reads one response head, to its blank line, as ISO-8859-1 (the raw bytes stay visible). */
  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int b = in.read();
      assertThat(b).as("head ended early: %s", head).isNotNegative();
      head.write(b);
      state = (b == (state % 2 == 0 ? '\r' : '\n')) ? state + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private void assertRefused(String request) throws IOException {
    try (Socket s = send(request)) {
      InputStream in = s.getInputStream();
      String head = readHead(in);
      assertThat(head).as(request).startsWith("HTTP/1.1 400 ");
      assertThat(head).as("head is printable ASCII").matches("(?s)([\\x20-\\x7e]*\r\n)*");
      int length = -1;
      for (String line : head.split("\r\n")) {
        assertThat(line).matches("(?i)HTTP/1\\.1 .*|(content-type|content-length|cache-control"
            + "|x-content-type-options|connection|vary|access-control-[a-z-]+): .*|");
        if (line.toLowerCase().startsWith("content-length:")) {
          length = Integer.parseInt(line.substring(15).trim());
        }
      }
      assertThat(length).isNotNegative();
      byte[] body = in.readNBytes(length);
      assertThat(new String(body, StandardCharsets.ISO_8859_1)).as("body printable ASCII for %s", request)
          .matches("[\\x20-\\x7e]*\n?");
    }
  }

  /** Opens a stream with {@code request} and awaits the first event's id line: it is {@code second}. */
  private void assertResumesAfterFirst(String request) throws IOException {
    try (Socket s = send(request)) {
      InputStream in = s.getInputStream();
      assertThat(readHead(in)).as(request).startsWith("HTTP/1.1 200 ");
      StringBuilder line = new StringBuilder();
      while (true) {
        int b = in.read();
        assertThat(b).as("stream ended before an id line").isNotNegative();
        if (b == '\n') {
          String l = line.toString();
          if (l.startsWith("id:")) {
            assertThat(l.substring(3).trim()).as(request).isEqualTo(second.toString());
            return;
          }
          line.setLength(0);
        } else {
          line.append((char) b);
        }
      }
    }
  }

  private static String get(String target, String field) {
    return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + field + "\r\n";
  }

  @Test
  void controlsInOrAroundAResumeIdAre400AndNothingOfThemIsEchoed() throws Exception {
    String[] encoded = {"%0D", "%0A", "%00", "%C4%8A", "%E2%80%A8", "%E2%80%A9", "%C2%85", "%0B", "%0C"};
    for (String c : encoded) {
      assertRefused(get("/events?topic=a&lastEventId=" + first + c, ""));
      assertRefused(get("/events?topic=a&lastEventId=" + c + first, ""));
      assertRefused(get("/events?topic=a&lastEventId=1" + c + "-2", ""));
    }
    // Raw in the header: U+2028 and U+010A as UTF-8 bytes, NUL, VT, FF (obs-text or controls in a field value).
    String[] raw = {"\u00e2\u0080\u00a8", "\u00c4\u008a", "\u0000", "\u000b", "\u000c", "\u0085"};
    for (String c : raw) {
      assertRefused(get("/events?topic=a", "Last-Event-ID: " + first + c + "\r\n"));
      assertRefused(get("/events?topic=a", "Last-Event-ID: " + c + first + "\r\n"));
    }
    // A bare CR inside the field value.
    assertRefused(get("/events?topic=a", "Last-Event-ID: " + first + "\rX: y\r\n"));
    // Still serving.
    assertResumesAfterFirst(get("/events?topic=a", "Last-Event-ID: " + first + "\r\n"));
  }

  @Test
  void spacesAndTabsAroundAResumeIdResumeFromIt() throws Exception {
    assertResumesAfterFirst(get("/events?topic=a&lastEventId=%20%09" + first + "%09%20", ""));
    assertResumesAfterFirst(get("/events?topic=a&lastEventId=+" + first + "+", ""));
    assertResumesAfterFirst(get("/events?topic=a", "Last-Event-ID: \t " + first + " \t\r\n"));
    assertResumesAfterFirst(get("/events?topic=a", "Last-Event-ID:" + first + "\t\r\n"));
  }
}
