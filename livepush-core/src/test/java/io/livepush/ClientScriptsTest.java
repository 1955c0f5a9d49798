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
        return null;
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
}
