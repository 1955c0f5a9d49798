package io.livepush.spring.example;

import java.time.Duration;
import java.time.Instant;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.stereotype.Component;

/**
 * Issues HS256 tokens signed with {@code example.jwt.secret}: the example's stand-in for an identity provider
 * (in production the tokens come from your authorization server and the app only decodes them).
 */
@Component
public class Tokens {
  private final JwtEncoder encoder;

  Tokens(JwtEncoder encoder) {
    this.encoder = encoder;
  }

  /**
   * A token for {@code user} with the scopes {@code scores chat}.
   *
   * @param user the subject
   * @param lifetime how long it is valid
   * @return the compact JWS
   */
  public String issue(String user, Duration lifetime) {
    Instant now = Instant.now();
    JwtClaimsSet claims = JwtClaimsSet.builder().subject(user).issuedAt(now).expiresAt(now.plus(lifetime))
        .claim("scope", "scores chat").build();
    return encoder.encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), claims))
        .getTokenValue();
  }
}
