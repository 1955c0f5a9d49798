package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.launchdarkly.eventsource.EventSource;
import com.launchdarkly.eventsource.MessageEvent;
import io.livepush.AuthResult;
import io.livepush.Event;
import io.livepush.HttpReply;
import io.livepush.InvalidEventException;
import io.livepush.InvalidEventIdException;
import io.livepush.InvalidHttpFieldException;
import io.livepush.LivePushServer;
import io.livepush.fixtures.LiveServer;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Strings written to the wire unchecked (issue 10 item 2): every caller string is checked against its grammar
 * and refused with a typed exception; nothing is narrowed or replaced. The forged-event attack is replayed
 * against okhttp-eventsource on a real socket.
 */
class WireInjectionTest {
  @RegisterExtension final LiveServer fixture = new LiveServer();
  private LivePushServer server;

  @Test
  void emitterIdWithU010aCannotForgeAnEventForARealParser() throws Exception {
    List<Throwable> refused = new CopyOnWriteArrayList<>();
    server = fixture.start(LivePushServer.builder()
        .transport(SseTransport.builder().stream("GET", "/ask", req -> StreamResponse.accept(emitter -> {
          // U+010A's low byte is LF: the old ASCII writer turned this id into three fields.
          for (String id : new String[] {"x\u010Aevent: reset\u010Adata: forged", "caf\u00e9", "a\nb", "\ud800",
              "i".repeat(SseEncoder.MAX_ID_LENGTH + 1)}) {
            try {
              emitter.send(id, Event.text("never"));
            } catch (InvalidEventIdException e) {
              refused.add(e);
            }
          }
          emitter.send("id-1", Event.text("ok").withType("token"));
          emitter.complete();
        })).build()));
    URI uri = URI.create("http://127.0.0.1:" + server.port() + "/ask");
    try (EventSource es = new EventSource.Builder(uri).retryDelay(10, TimeUnit.SECONDS).build()) {
      es.start();
      MessageEvent m = es.readMessage();
      assertThat(m.getEventName()).isEqualTo("token");
      assertThat(m.getData()).isEqualTo("ok");
      assertThat(m.getLastEventId()).isEqualTo("id-1");
    }
    assertThat(refused).hasSize(5);
  }

  @Test
  void encoderNeverNarrowsAChar() {
    assertThatThrownBy(() -> SseEncoder.event("x\u010Ay", null, Event.Kind.TEXT, new byte[0]))
        .isInstanceOf(InvalidEventIdException.class).hasMessageContaining("U+010A");
    assertThatThrownBy(() -> SseEncoder.position("caf\u00e9")).isInstanceOf(InvalidEventIdException.class);
    assertThatThrownBy(() -> SseEncoder.event(null, "t\ud800", Event.Kind.TEXT, new byte[0]))
        .isInstanceOf(InvalidEventException.class);
    assertThat(new String(SseEncoder.event("a b~!", "caf\u00e9 \ud83d\ude00", Event.Kind.TEXT,
        "d".getBytes(java.nio.charset.StandardCharsets.UTF_8)), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("id: a b~!\nevent: caf\u00e9 \ud83d\ude00\ndata: d\n\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a\ud800", "\udc00b", "a\u0085b", "a\u2028b", "a\u001bb", "a\u007fb", "a\tb"})
  void eventTypesWithControlsOrUnpairedSurrogatesAreRefused(String type) {
    assertThatThrownBy(() -> Event.text("x").withType(type)).isInstanceOf(InvalidEventException.class);
  }

  @Test
  void payloadsWithUnpairedSurrogatesAreRefusedNotReplaced() {
    assertThatThrownBy(() -> Event.text("a\ud800b")).isInstanceOf(InvalidEventException.class);
    assertThatThrownBy(() -> Event.rawJson("\"\ud800\"")).isInstanceOf(InvalidEventException.class);
    assertThat(Event.text("\ud83d\ude00").bytes()).hasSize(4);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "1,\"type\":\"reset\",\"topic\":\"m:1\",\"reason\":\"forged\"", // the forged WebSocket reset
      "{\"a\":1,\"a\":2}", "{\"x\":{\"k\":1,\"k\":2}}", "{} {}", "[1,2", "", "  ", "{\"a\":1}x", "'a'", "NaN",
      "{a:1}", "[1,]", "// c\n1"})
  void rawJsonMustBeExactlyOneValueWithoutDuplicateKeys(String json) {
    assertThatThrownBy(() -> Event.rawJson(json)).isInstanceOf(InvalidEventException.class);
  }

  @Test
  void commentsWithUnpairedSurrogatesAreRefusedNotReplaced() {
    // Was written as ": a?b" (String.getBytes replaces what has no UTF-8 form): a silent change of caller text.
    assertThatThrownBy(() -> SseEncoder.comment("a\ud800b")).isInstanceOf(InvalidEventException.class);
    assertThat(new String(SseEncoder.comment("x\u010Ay\nevent: reset"), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(": x\u010Ay\n: event: reset\n\n");
  }

  @Test
  void validRawJsonPasses() {
    for (String json : new String[] {"{}", " 42 ", "\"s\"", "null", "[1,{\"b\":[true,false]}]",
        "{\"a\":{\"a\":1},\"b\":{\"a\":2}}", "{\"\\u00e9\":\"\\ud83d\\ude00\"}"}) {
      assertThat(Event.rawJson(json).kind()).isEqualTo(Event.Kind.JSON);
    }
  }

  @Test
  void repliesCannotAddFramingContentTypeOrConnectionSpecificHeaders() {
    // Content-Length next to livepush's own, or Transfer-Encoding, would re-frame the response (RFC 9112 §6.3);
    // connection-specific fields are forbidden over HTTP/2 (RFC 9113 §8.2.2). Names are case-insensitive.
    HttpReply reply = HttpReply.text(200, "x");
    StreamResponse reject = StreamResponse.rejectJson(429, "{}");
    for (String name : new String[] {"Content-Length", "transfer-encoding", "CONTENT-TYPE", "Connection",
        "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade"}) {
      assertThatThrownBy(() -> reply.withHeader(name, "1")).as(name).isInstanceOf(InvalidHttpFieldException.class);
      assertThatThrownBy(() -> reject.withHeader(name, "1")).as(name).isInstanceOf(InvalidHttpFieldException.class);
    }
    assertThat(reply.withHeader("Content-Language", "en").headers()).containsEntry("Content-Language", "en");
    assertThat(reject.withHeader("Retry-After", "5")).isNotNull();
  }

  @Test
  void headerNamesAndValuesAreCheckedWhereGiven() {
    HttpReply r = HttpReply.text(200, "x");
    assertThatThrownBy(() -> r.withHeader("X-A", "v\r\nSet-Cookie: s=1")).isInstanceOf(InvalidHttpFieldException.class);
    assertThatThrownBy(() -> r.withHeader("X-A", "v\u0100")).isInstanceOf(InvalidHttpFieldException.class);
    assertThatThrownBy(() -> r.withHeader("Bad Name", "v")).isInstanceOf(InvalidHttpFieldException.class);
    assertThatThrownBy(() -> r.withHeader("X-A", " v")).isInstanceOf(InvalidHttpFieldException.class);
    assertThatThrownBy(() -> HttpReply.of(200, "text/plain\n", new byte[0]))
        .isInstanceOf(InvalidHttpFieldException.class);
    assertThatThrownBy(() -> AuthResult.unauthorized("r", "Bearer\r\nX: y"))
        .isInstanceOf(InvalidHttpFieldException.class);
    assertThat(r.withHeader("Cache-Control", "no-cache, max-age=0").headers())
        .containsEntry("Cache-Control", "no-cache, max-age=0");
    assertThatThrownBy(() -> SseTransport.builder().allowedOrigins("https://a.example\r\nX: y"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SseTransport.builder().allowedOrigins("https://a.example/path"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
