package io.livepush.spring.boot;

import io.livepush.AuthResult;
import io.livepush.Authenticator;
import io.livepush.Principal;
import io.livepush.RequestInfo;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;

/**
 * A livepush {@link Authenticator} on Spring Security: the bearer token of the request (RFC 6750 §2.1
 * {@code Authorization: Bearer <token>}, or optionally the query parameter of §2.3) is decoded and validated by
 * the application's {@link JwtDecoder} and converted to a Spring {@link Authentication} exactly as Spring Security's
 * resource server does ({@link JwtAuthenticationProvider}, with the application's JWT converter if it has one).
 * The connection's {@link Principal} is named {@link Authentication#getName()} and carries the
 * {@link Authentication} under {@value #AUTHENTICATION} and its authority names under {@value #AUTHORITIES}, so
 * topic authorizers, presence and handlers see the same identity as the application's controllers;
 * {@link #authentication(Principal)} reads it back.
 *
 * <p>Refusals: no token, 401 with {@code WWW-Authenticate: Bearer}; a malformed, expired or otherwise invalid one
 * (a {@code Bearer} header without a token, or more than one token, included), 401 with
 * {@code Bearer error="invalid_token"} (RFC 6750 §3.1), also when anonymous access is allowed. The token never appears in a response or a log.
 *
 * <p>Threads: runs on livepush's blocking executor (a decoder may fetch a JWK set); Spring's
 * {@code SecurityContextHolder} is not set for livepush callbacks: use the principal.
 */
public final class JwtBearerAuthenticator implements Authenticator {
  /** Principal attribute holding the Spring {@link Authentication}. */
  public static final String AUTHENTICATION = "spring.authentication";
  /** Principal attribute holding the authority names ({@code List<String>}, e.g. {@code SCOPE_read}). */
  public static final String AUTHORITIES = "spring.authorities";

  /** RFC 6750 §2.1 {@code b64token}. */
  private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");
  private static final int MAX_TOKEN_LENGTH = 8192;

  private final JwtAuthenticationProvider provider;
  private final String queryParameter;
  private final boolean allowAnonymous;

  /**
   * An authenticator on {@code decoder}.
   *
   * @param decoder validates and decodes tokens; not {@code null}
   * @param converter turns a decoded {@link Jwt} into an {@link Authentication}; {@code null} for Spring
   *     Security's default ({@code JwtAuthenticationConverter}: authorities from the {@code scope} claim)
   * @param queryParameter also read the token from this query parameter; {@code null}: header only
   * @param allowAnonymous let requests without a token in as {@link Principal#ANONYMOUS}
   */
  public JwtBearerAuthenticator(JwtDecoder decoder,
      Converter<Jwt, ? extends AbstractAuthenticationToken> converter, String queryParameter,
      boolean allowAnonymous) {
    this.provider = new JwtAuthenticationProvider(Objects.requireNonNull(decoder, "decoder"));
    if (converter != null) {
      provider.setJwtAuthenticationConverter(converter);
    }
    this.queryParameter = queryParameter;
    this.allowAnonymous = allowAnonymous;
  }

  @Override
  public AuthResult authenticate(RequestInfo request) {
    String token = token(request);
    if (token == null) {
      return allowAnonymous ? AuthResult.allow(Principal.ANONYMOUS)
          : AuthResult.unauthorized("bearer token required", "Bearer");
    }
    if (token.isEmpty() || token.length() > MAX_TOKEN_LENGTH || !B64TOKEN.matcher(token).matches()) {
      return invalid();
    }
    Authentication authentication;
    try {
      authentication = provider.authenticate(new BearerTokenAuthenticationToken(token));
    } catch (AuthenticationException e) {
      return invalid();
    }
    List<String> authorities = authentication.getAuthorities().stream().map(GrantedAuthority::getAuthority)
        .filter(Objects::nonNull).toList();
    return AuthResult.allow(new Principal(authentication.getName(),
        Map.of(AUTHENTICATION, authentication, AUTHORITIES, authorities)));
  }

  /**
   * The Spring {@link Authentication} of a principal this authenticator made.
   *
   * @param principal a connection's principal; not {@code null}
   * @return the authentication, or {@code null} (anonymous, or another authenticator's principal)
   */
  public static Authentication authentication(Principal principal) {
    Object a = principal.attributes().get(AUTHENTICATION);
    return a instanceof Authentication auth ? auth : null;
  }

  /**
   * The presented token: {@code null} when none is presented, {@code ""} when what is presented cannot be one
   * token (refused as invalid, as Spring Security's {@code DefaultBearerTokenResolver} does, even with anonymous
   * access allowed): a {@code Bearer} header without a token, or several tokens (RFC 6750 §2: one method only).
   */
  private String token(RequestInfo request) {
    String header = request.header("Authorization");
    String fromHeader = null;
    // RFC 9110 §11.1: the scheme is case-insensitive; another scheme (Basic, ...) is not a bearer token.
    if (header != null && header.regionMatches(true, 0, "Bearer", 0, 6)) {
      fromHeader = header.length() > 7 && header.charAt(6) == ' ' ? header.substring(7).trim() : "";
    }
    List<String> values = queryParameter == null ? null : request.queryParameters().get(queryParameter);
    if (values == null || values.isEmpty()) {
      return fromHeader;
    }
    return fromHeader != null || values.size() > 1 ? "" : values.get(0);
  }

  private static AuthResult invalid() {
    return AuthResult.unauthorized("invalid token", "Bearer error=\"invalid_token\"");
  }
}
