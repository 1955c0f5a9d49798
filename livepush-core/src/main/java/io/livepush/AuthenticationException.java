package io.livepush;

/**
 * A request was refused by the {@link Authenticator} ({@code 401}, with an optional {@code WWW-Authenticate}
 * challenge), by a {@link TopicAuthorizer} ({@code 403}), or before the authenticator ran because its address
 * failed too many authentications recently ({@code 429 Too Many Requests} with {@code Retry-After}, RFC 6585 §4;
 * see {@link LivePushServer.Builder#authenticationFailureRate}). On WebSocket after the upgrade the refusal is
 * an error message or close code 1008 "Policy Violation" (RFC 6455 §7.4.1).
 */
public final class AuthenticationException extends LivePushException {
  private static final long serialVersionUID = 1L;
  /** The {@code WWW-Authenticate} value of a 401, or {@code null}. */
  private final String challenge;
  /** Seconds for {@code Retry-After} of a 429 (at least 1), else {@code 0}. */
  private final int retryAfterSeconds;

  /**
   * A refusal with {@code status} 401 or 403.
   *
   * @param status 401 (no or bad credentials) or 403 (not allowed)
   * @param message the reason, sent to the client, so keep secrets out of it
   * @param challenge the {@code WWW-Authenticate} value to send with a 401, or {@code null}; the caller
   *     validates it (see {@link AuthResult#unauthorized(String, String)})
   * @throws IllegalArgumentException for another status
   */
  public AuthenticationException(int status, String message, String challenge) {
    super(message, status);
    if (status != 401 && status != 403) {
      throw new IllegalArgumentException("status: " + status + " (expected: 401 or 403)");
    }
    this.challenge = challenge;
    this.retryAfterSeconds = 0;
  }

  private AuthenticationException(String message, int retryAfterSeconds) {
    super(message, 429);
    this.challenge = null;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /**
   * A {@code 429} refusal: the address must wait {@code retryAfterSeconds} (at least 1) before trying again.
   *
   * @param retryAfterSeconds seconds until the address may try again; values below 1 are raised to 1
   * @return the exception, with status 429
   */
  public static AuthenticationException throttled(int retryAfterSeconds) {
    return new AuthenticationException("too many failed authentications from your address",
        Math.max(1, retryAfterSeconds));
  }

  /**
   * The {@code WWW-Authenticate} value to send with a 401.
   *
   * @return the value, or {@code null} for none (always for 403 and 429)
   */
  public String challenge() {
    return challenge;
  }

  /**
   * Seconds for {@code Retry-After} with a 429.
   *
   * @return seconds, &ge; 1 for a 429, else {@code 0}
   */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
