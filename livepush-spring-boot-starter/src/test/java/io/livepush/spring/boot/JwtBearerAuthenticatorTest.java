package io.livepush.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.livepush.AuthResult;
import io.livepush.Authenticator;
import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.Principal;
import io.livepush.RequestInfo;
import io.livepush.TopicAuthorizer;
import io.livepush.client.LivePushClient;
import io.livepush.client.PushEvent;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * The Spring Security bridge with the application's HMAC {@link JwtDecoder}: real tokens signed with nimbus, real
 * requests (JDK HttpClient) and a livepush-client follower sending {@code Authorization: Bearer}.
 */
class JwtBearerAuthenticatorTest {
  static final byte[] SECRET = "a-test-secret-of-at-least-256-bits-for-HS256!".getBytes(StandardCharsets.UTF_8);

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(LivePushAutoConfigurationTest.ALL)
      .withUserConfiguration(Decoder.class)
      .withPropertyValues("livepush.port=0", "livepush.host=127.0.0.1", "livepush.shutdown.drain=0s",
          "livepush.sse.routes[0].path=/me", "livepush.sse.routes[0].topic=user:{principal}");

  @Test
  void aValidBearerTokenOpensTheStreamAndThePrincipalReachesTheCallbacks() {
    runner.run(ctx -> {
      assertThat(ctx).hasSingleBean(JwtBearerAuthenticator.class);
      LivePushServer server = ctx.getBean(LivePushServer.class);
      URI me = URI.create("http://127.0.0.1:" + server.port() + "/me");
      String alice = token("alice", "feed admin", Instant.now().plusSeconds(300));
      BlockingQueue<PushEvent> events = Clients.queue();
      try (LivePushClient c = Clients.follow(b -> b.sse(me).authorization(() -> "Bearer " + alice), events)) {
        server.publish("user:bob", Event.text("not for alice"));
        server.publish("user:alice", Event.text("for alice"));
        assertThat(Clients.next(events).data()).isEqualTo("for alice");
      }
      Principal seen = ctx.getBean(Decoder.class).seen.take();
      assertThat(seen.name()).isEqualTo("alice");
      assertThat(seen.attributes().get(JwtBearerAuthenticator.AUTHORITIES))
          .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
          .contains("SCOPE_feed", "SCOPE_admin");
      assertThat(JwtBearerAuthenticator.authentication(seen)).isInstanceOf(JwtAuthenticationToken.class);
      assertThat(((JwtAuthenticationToken) JwtBearerAuthenticator.authentication(seen)).getToken().getSubject())
          .isEqualTo("alice");
    });
  }

  @Test
  void missingBadAndExpiredTokensGet401WithABearerChallenge() {
    runner.run(ctx -> {
      URI me = URI.create("http://127.0.0.1:" + ctx.getBean(LivePushServer.class).port() + "/me");
      var none = Clients.head(me);
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
      String forged = token("alice", "feed", Instant.now().plusSeconds(300));
      forged = forged.substring(0, forged.length() - 4) + (forged.endsWith("AAAA") ? "BBBB" : "AAAA");
      String expired = token("alice", "feed", Instant.now().minusSeconds(600));
      for (String bad : List.of(forged, expired, "not a token", "x".repeat(6000))) {
        var r = Clients.head(me, "Authorization", "Bearer " + bad);
        assertThat(r.statusCode()).as(bad.substring(0, 10)).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer error=\"invalid_token\"");
      }
      // The query form is off unless configured.
      String good = token("alice", "feed", Instant.now().plusSeconds(300));
      assertThat(Clients.head(URI.create(me + "?access_token=" + good)).statusCode()).isEqualTo(401);
    });
  }

  @Test
  void theQueryParameterFormWhenConfigured() {
    runner.withPropertyValues("livepush.security.query-parameter=access_token").run(ctx -> {
      URI me = URI.create("http://127.0.0.1:" + ctx.getBean(LivePushServer.class).port() + "/me");
      String good = token("carol", "feed", Instant.now().plusSeconds(300));
      var r = Clients.head(URI.create(me + "?access_token=" + good));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> v.startsWith("text/event-stream"));
      assertThat(ctx.getBean(Decoder.class).seen.take().name()).isEqualTo("carol");
    });
  }

  @Test
  void aPresentedButMalformedTokenIsRefusedEvenWhenAnonymousAccessIsAllowed() {
    // As Spring Security's DefaultBearerTokenResolver: a Bearer header without a token, or two tokens, is invalid.
    runner.withPropertyValues("livepush.security.allow-anonymous=true", "livepush.security.query-parameter=access_token",
        "livepush.sse.routes[1].path=/open", "livepush.sse.routes[1].topic=open").run(ctx -> {
          URI open = URI.create("http://127.0.0.1:" + ctx.getBean(LivePushServer.class).port() + "/open");
          String good = token("alice", "feed", Instant.now().plusSeconds(300));
          assertThat(Clients.head(open).statusCode()).isEqualTo(200); // anonymous
          assertThat(Clients.head(open, "Authorization", "Basic YTpi").statusCode()).isEqualTo(200); // another scheme
          for (String header : List.of("Bearer", "Bearer ", "bearer  ", "Bearerx" + good)) {
            var r = Clients.head(open, "Authorization", header);
            assertThat(r.statusCode()).as(header).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer error=\"invalid_token\"");
          }
          assertThat(Clients.head(URI.create(open + "?access_token=" + good + "&access_token=" + good)).statusCode())
              .isEqualTo(401);
          assertThat(Clients.head(URI.create(open + "?access_token=" + good), "Authorization", "Bearer " + good)
              .statusCode()).isEqualTo(401);
          assertThat(Clients.head(URI.create(open + "?access_token=" + good), "Authorization", "Basic YTpi")
              .statusCode()).isEqualTo(200);
          assertThat(ctx.getBean(Decoder.class).seen.poll(10, java.util.concurrent.TimeUnit.SECONDS).name())
              .isEqualTo("anonymous");
        });
  }

  @Test
  void anApplicationAuthenticatorOrTheSwitchTurnsTheBridgeOff() {
    runner.withBean(Authenticator.class, () -> Authenticator.nonBlocking(r -> AuthResult.allow(Principal.of("x"))))
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(JwtBearerAuthenticator.class));
    runner.withPropertyValues("livepush.security.enabled=false")
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(JwtBearerAuthenticator.class));
  }

  static String token(String subject, String scope, Instant expires) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
        .subject(subject).claim("scope", scope).issueTime(Date.from(Instant.now().minusSeconds(1000)))
        .expirationTime(Date.from(expires)).build());
    jwt.sign(new MACSigner(SECRET));
    return jwt.serialize();
  }

  @Configuration(proxyBeanMethods = false)
  static class Decoder {
    final BlockingQueue<Principal> seen = new LinkedBlockingQueue<>();

    @Bean
    JwtDecoder jwtDecoder() {
      return NimbusJwtDecoder.withSecretKey(new SecretKeySpec(SECRET, "HmacSHA256")).build();
    }

    /** Records the principal the authorizer is given: what every livepush callback sees. */
    @Bean
    TopicAuthorizer recordingAuthorizer() {
      return new TopicAuthorizer() {
        @Override
        public boolean canSubscribe(RequestInfo request, String topic) {
          return false;
        }

        @Override
        public boolean canSubscribe(Principal principal, RequestInfo request, String topic) {
          seen.add(principal);
          return topic.equals("user:" + principal.name()) || topic.equals("open");
        }
      };
    }
  }
}
