package io.livepush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientScriptsTest {
  private static RequestInfo request(String method, String path) {
    return request(method, path, null);
  }

  private static RequestInfo request(String method, String path, String origin) {
    return new RequestInfo() {
      @Override
      public String method() {
        return method;
      }

      @Override
      public String path() {
        return path;
      }

      @Override
      public Map<String, List<String>> queryParameters() {
        return Map.of();
      }

      @Override
      public String header(String name) {
        return name.equalsIgnoreCase("Origin") ? origin : null;
      }

      @Override
      public String cookie(String name) {
        return null;
      }

      @Override
      public SocketAddress remoteAddress() {
        return new InetSocketAddress(0);
      }
    };
  }

  @Test
  void servesBothModulesAsJavaScriptUnderTheDefaultPrefix() {
    HttpService service = ClientScripts.service();
    HttpReply ws = service.handle(request("GET", "/livepush/livepush.js"), new byte[0]);
    assertThat(ws.status()).isEqualTo(200);
    assertThat(ws.contentType()).isEqualTo("text/javascript; charset=utf-8");
    assertThat(ws.headers()).containsEntry("Cache-Control", "no-cache");
    assertThat(new String(ws.body(), StandardCharsets.UTF_8))
        .contains("export class LivePushClient").contains("'livepush.v1'");
    HttpReply sse = service.handle(request("GET", "/livepush/livepush-sse.js"), new byte[0]);
    assertThat(new String(sse.body(), StandardCharsets.UTF_8))
        .contains("export function openEventStream").contains("export async function fetchEventStream");
  }

  @Test
  void leavesOtherPathsAndMethodsToOtherServices() {
    HttpService service = ClientScripts.service();
    assertThat(service.handle(request("GET", "/livepush/other.js"), new byte[0])).isNull();
    assertThat(service.handle(request("GET", "/livepush.js"), new byte[0])).isNull();
    assertThat(service.handle(request("POST", "/livepush/livepush.js"), new byte[0])).isNull();
  }

  @Test
  void mountsUnderACustomPrefix() {
    HttpService service = ClientScripts.service("/static/lp/");
    assertThat(service.handle(request("GET", "/static/lp/livepush.js"), new byte[0]).status()).isEqualTo(200);
    assertThat(service.handle(request("GET", "/livepush/livepush.js"), new byte[0])).isNull();
  }

  @Test
  void rejectsAPrefixThatIsNotADirectory() {
    assertThatThrownBy(() -> ClientScripts.service("static"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("prefix: static (expected: starts and ends with /)");
    assertThatThrownBy(() -> ClientScripts.service("/static"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ClientScripts.service(null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void answersListedOriginsWithCorsHeadersAndOthersWithout() {
    HttpService service = ClientScripts.service("/livepush/", "https://app.example", "http://localhost:5173");
    HttpReply listed = service.handle(request("GET", "/livepush/livepush.js", "https://app.example"), new byte[0]);
    assertThat(listed.headers()).containsEntry("Access-Control-Allow-Origin", "https://app.example")
        .containsEntry("Vary", "Origin");
    HttpReply other = service.handle(request("GET", "/livepush/livepush-sse.js", "https://evil.example"),
        new byte[0]);
    assertThat(other.status()).isEqualTo(200);
    assertThat(other.headers()).doesNotContainKey("Access-Control-Allow-Origin").containsEntry("Vary", "Origin");
    HttpReply sameOrigin = service.handle(request("GET", "/livepush/livepush.js"), new byte[0]);
    assertThat(sameOrigin.headers()).doesNotContainKey("Access-Control-Allow-Origin");
    HttpReply preflight = service.handle(request("OPTIONS", "/livepush/livepush.js", "http://localhost:5173"),
        new byte[0]);
    assertThat(preflight.headers()).containsEntry("Access-Control-Allow-Origin", "http://localhost:5173");
  }

  @Test
  void answersEveryOriginWithAStarWhenAllowed() {
    HttpService service = ClientScripts.service("/livepush/", "*");
    HttpReply reply = service.handle(request("GET", "/livepush/livepush.js", "https://any.example"), new byte[0]);
    assertThat(reply.headers()).containsEntry("Access-Control-Allow-Origin", "*").doesNotContainKey("Vary");
  }

  @Test
  void sendsNoCorsHeadersByDefault() {
    HttpReply reply = ClientScripts.service().handle(request("GET", "/livepush/livepush.js", "https://app.example"),
        new byte[0]);
    assertThat(reply.headers()).doesNotContainKeys("Access-Control-Allow-Origin", "Vary");
  }

  @Test
  void rejectsWhatIsNotASerialisedOrigin() {
    for (String bad : new String[] {"https://app.example/", "app.example", "https://app.example/x",
        "https://user@app.example", "https://app.example\r\nX: y", null}) {
      assertThatThrownBy(() -> ClientScripts.service("/livepush/", bad))
          .as(String.valueOf(bad)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
