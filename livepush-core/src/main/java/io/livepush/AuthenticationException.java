package io.livepush;

/**
 * A request was refused by the {@link Authenticator} ({@code 401}, with an optional {@code WWW-Authenticate}
 * challenge) or by a {@link TopicAuthorizer} ({@code 403}). On WebSocket after the upgrade the refusal is an
 * error message or close code 1008 "Policy Violation" (RFC 6455 §7.4.1).
 */
public final class AuthenticationException extends LivePushException {
  private static final long serialVersionUID = 1L;
  private final String challenge;

  public AuthenticationException(int status, String message, String challenge) {
    super(message, status);
    if (status != 401 && status != 403) {
      throw new IllegalArgumentException("status: " + status + " (expected: 401 or 403)");
    }
    this.challenge = challenge;
  }

  /** The {@code WWW-Authenticate} value to send with a 401, or {@code null}. */
  public String challenge() {
    return challenge;
  }
}
