package io.livepush;

/**
 * An HTTP header name or value given to livepush (an {@link HttpReply} header, a {@code WWW-Authenticate}
 * challenge, a content type) that does not match its grammar in RFC 9110 §5.1 (name: a {@code token}) and §5.5
 * (value: visible ASCII, space, tab and obs-text, no leading or trailing whitespace; never CR, LF or NUL, which
 * would split the response). Thrown where the value is given, so nothing invalid reaches the wire.
 */
public final class InvalidHttpFieldException extends LivePushException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception, answered with HTTP 500 (the application, not the client, gave the value).
   *
   * @param message the rule broken; it may reach the client and the log, so bound and neutralise any client input it quotes
   */
  public InvalidHttpFieldException(String message) {
    super(message, 500);
  }
}
