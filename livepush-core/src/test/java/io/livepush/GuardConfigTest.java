package io.livepush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GuardConfigTest {
  @Test
  void buildersRejectBadValuesWithOneMessageShape() {
    LivePushServer.Builder b = LivePushServer.builder();
    assertThatThrownBy(() -> b.maxConnectionsPerAddress(-1)).hasMessage("maxConnectionsPerAddress: -1 (expected: >= 0)");
    assertThatThrownBy(() -> b.connectionRate(-5, 1)).hasMessage("connectionRate: -5 (expected: >= 0)");
    assertThatThrownBy(() -> b.connectionRate(5, 0)).hasMessage("burst: 0 (expected: > 0)");
    assertThatThrownBy(() -> b.requestHeaderTimeout(Duration.ofSeconds(-1)))
        .hasMessage("requestHeaderTimeout: PT-1S (expected: >= 0)");
    assertThatThrownBy(() -> b.shutdownBatchSize(0)).hasMessage("shutdownBatchSize: 0 (expected: > 0)");
    assertThatThrownBy(() -> b.statsService("stats")).hasMessage("statsService: stats (expected: starting with /)");
    assertThatThrownBy(() -> b.tls(java.nio.file.Path.of("/nonexistent/cert.pem"), java.nio.file.Path.of("/nonexistent/key.pem")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("tls: /nonexistent/cert.pem");
  }

  @Test
  void authResultsAndPrincipals() {
    assertThat(AuthResult.unauthorized("no", "Bearer").status()).isEqualTo(401);
    assertThat(AuthResult.forbidden("no").status()).isEqualTo(403);
    assertThat(AuthResult.allow(Principal.of("a")).isAllowed()).isTrue();
    assertThatThrownBy(() -> new AuthenticationException(500, "x", null))
        .hasMessage("status: 500 (expected: 401 or 403)");
    Principal p = new Principal("alice", Map.of("token", "s3cret"));
    assertThat(p.toString()).isEqualTo("Principal{alice}").doesNotContain("s3cret");
    assertThatThrownBy(() -> Principal.of("")).hasMessage("name: \"\" (expected: non-empty)");
  }

  @Test
  void topicAuthorizerDefaultsStayCompatible() {
    TopicAuthorizer legacy = (request, topic) -> topic.startsWith("public:");
    assertThat(legacy.canSubscribe(Principal.of("x"), null, "public:a")).isTrue();
    assertThat(legacy.canPublish(Principal.of("x"), null, "secret")).isFalse();
    TopicAuthorizer byName = TopicAuthorizer.byPrincipal((p, t) -> t.equals("user:" + p.name()));
    assertThat(byName.canSubscribe(Principal.of("bob"), null, "user:bob")).isTrue();
    assertThat(byName.canSubscribe(Principal.of("eve"), null, "user:bob")).isFalse();
  }
}
