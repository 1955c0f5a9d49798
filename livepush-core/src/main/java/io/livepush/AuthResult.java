package io.livepush;

import io.livepush.spi.HttpFields;
import java.util.Objects;

/**
 * The outcome of an {@link Authenticator}: a {@link Principal}, or a refusal answered with
 * {@code 401 Unauthorized} (no or bad credentials, RFC 9110 §15.5.2) or {@code 403 Forbidden} (known but not
 * allowed, §15.5.4) before an SSE stream starts or a WebSocket upgrade completes. Immutable.
 */
public final class AuthResult {
  private final Principal principal;
  private final int status;
  private final String reason;
  private final String challenge;

  private AuthResult(Principal principal, int status, String reason, String challenge) {
    this.principal = principal;
    this.status = status;
    this.reason = reason;
    this.challenge = challenge;
  }

  /**
   * Accepts the connection as {@code principal}.
   *
   * @param principal who the client is; not {@code null}
   * @return an allowing result
   * @throws NullPointerException if {@code principal} is {@code null}
   */
  public static AuthResult allow(Principal principal) {
    return new AuthResult(Objects.requireNonNull(principal, "principal"), 0, null, null);
  }

  /**
   * Refuses with 401; {@code reason} is sent to the client, so keep secrets out of it.
   *
   * @param reason a short human-readable reason, sent in the response body; not {@code null}
   * @return a refusing result without a challenge
   * @throws NullPointerException if {@code reason} is {@code null}
   */
  public static AuthResult unauthorized(String reason) {
    return new AuthResult(null, 401, Objects.requireNonNull(reason, "reason"), null);
  }

  /**
   * Refuses with 401 and a {@code WWW-Authenticate} challenge (RFC 9110 §11.6.1), for example {@code Bearer}.
   *
   * @param reason a short human-readable reason, sent in the response body; not {@code null}
   * @param challenge the {@code WWW-Authenticate} field value, for example {@code Bearer realm="chat"}
   * @return a refusing result with the challenge
   * @throws NullPointerException if {@code reason} is {@code null}
   * @throws InvalidHttpFieldException if {@code challenge} is not a valid HTTP field value (RFC 9110 §5.5)
   */
  public static AuthResult unauthorized(String reason, String challenge) {
    return new AuthResult(null, 401, Objects.requireNonNull(reason, "reason"),
        HttpFields.value("challenge", challenge));
  }

  /**
   * Refuses with 403.
   *
   * @param reason a short human-readable reason, sent in the response body; not {@code null}
   * @return a refusing result
   * @throws NullPointerException if {@code reason} is {@code null}
   */
  public static AuthResult forbidden(String reason) {
    return new AuthResult(null, 403, Objects.requireNonNull(reason, "reason"), null);
  }

  /**
   * Whether the connection is accepted.
   *
   * @return {@code true} if {@link #principal()} is set, {@code false} for a refusal
   */
  public boolean isAllowed() {
    return principal != null;
  }

  /**
   * The principal when allowed.
   *
   * @return the principal, or {@code null} for a refusal
   */
  public Principal principal() {
    return principal;
  }

  /**
   * The refusal's status code.
   *
   * @return 401 or 403 when refused, {@code 0} when allowed
   */
  public int status() {
    return status;
  }

  /**
   * The refusal's reason, sent to the client.
   *
   * @return the reason, or {@code null} when allowed
   */
  public String reason() {
    return reason;
  }

  /**
   * The {@code WWW-Authenticate} value of a 401.
   *
   * @return the validated field value, or {@code null} when allowed, 403, or a 401 without a challenge
   */
  public String challenge() {
    return challenge;
  }
}
