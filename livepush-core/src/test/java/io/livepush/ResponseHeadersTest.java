package io.livepush;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link io.livepush.spi.Transport#responseHeaders()}: the fields a transport contributes (livepush-webtransport's
 * {@code Alt-Svc}) reach every response head on HTTP/1.1 and on HTTP/2 (h2c), services' answers and the router's
 * 404 alike, without replacing a field the response already has; a transport that contributes none adds nothing.
 */
class ResponseHeadersTest {
  private LivePushServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private void start(HttpHeaders contributed) {
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO)
        .httpService(HttpService.nonBlocking((request, body) -> switch (request.path()) {
          case "/page" -> HttpReply.text(200, "page");
          case "/own" -> HttpReply.text(200, "own").withHeader("Alt-Svc", "clear");
          default -> null;
        }))
        .transport(new StreamlessTransport("advertiser") {
          @Override
          public HttpHeaders responseHeaders() {
            return contributed;
          }
        })
        .build();
    server.start().join();
  }

  private HttpResponse<String> get(HttpClient.Version version, String path) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(version).build();
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void contributedFieldsReachEveryResponseOnHttp1AndHttp2() throws Exception {
    start(new DefaultHttpHeaders().add("Alt-Svc", "h3=\":4433\"; ma=60"));
    for (HttpClient.Version v : HttpClient.Version.values()) {
      HttpResponse<String> page = get(v, "/page");
      assertThat(page.version()).isEqualTo(v);
      assertThat(page.headers().allValues("alt-svc")).containsExactly("h3=\":4433\"; ma=60");
      assertThat(get(v, "/missing").headers().allValues("alt-svc")).containsExactly("h3=\":4433\"; ma=60");
      // a field the response already has is the response's
      assertThat(get(v, "/own").headers().allValues("alt-svc")).containsExactly("clear");
    }
  }

  @Test
  void noFieldsWhenTheTransportContributesNone() throws Exception {
    start(null);
    for (HttpClient.Version v : HttpClient.Version.values()) {
      HttpResponse<String> page = get(v, "/page");
      assertThat(page.body()).isEqualTo("page");
      assertThat(page.headers().firstValue("alt-svc")).isEmpty();
    }
  }
}
