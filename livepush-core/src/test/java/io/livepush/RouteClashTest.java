package io.livepush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Two transports claiming the same path ({@link io.livepush.spi.Transport#routes()}) are refused when the server
 * is built: the router offers requests in the order the transports were added, so the later one would silently
 * never see them.
 */
class RouteClashTest {

  private static StreamlessTransport claiming(String name, String... routes) {
    return new StreamlessTransport(name) {
      @Override
      public Set<String> routes() {
        return Set.of(routes);
      }
    };
  }

  private static LivePushServer.Builder with(StreamlessTransport a, StreamlessTransport b) {
    return LivePushServer.builder().transport(a).transport(b);
  }

  @Test
  void theSamePathInTwoTransportsIsRefusedNamingBoth() {
    assertThatThrownBy(() -> with(claiming("sse", "/live"), claiming("websocket", "/other", "/live")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("routes: /live of transport sse and /live of transport websocket match the same paths; sse,"
            + " added first, would take every such request (expected: each path served by one transport)");
  }

  @Test
  void templatesThatMatchACommonPathClash() {
    // /match/{id}/live takes /match/7/live; two variables match anything non-empty either does
    assertThatThrownBy(() -> with(claiming("a", "/match/{id}/live"), claiming("b", "/match/7/live")).buildConfig())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/match/{id}/live of transport a")
        .hasMessageContaining("/match/7/live of transport b");
    assertThatThrownBy(() -> with(claiming("a", "/{x}/live"), claiming("b", "/m/{y}")).build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void pathsNoRequestMatchesTwiceAreAccepted() {
    // other segment counts, other literals, and a variable never matches an empty segment (/a/ vs /a/{x})
    LivePushConfig config = with(claiming("a", "/live", "/a/{x}", "/m/{id}/live"),
        claiming("b", "/live/", "/a/", "/m/{id}/dead", "/ws")).buildConfig();
    assertThat(config.transports()).hasSize(2);
    // a transport that names no routes (the default) is not checked, nor are one transport's own routes
    assertThat(with(claiming("a", "/x", "/{any}"), claiming("b")).build()).isNotNull();
  }
}
