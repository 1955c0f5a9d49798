package io.livepush.websocket;

import io.livepush.LivePushException;

/**
 * A close code or reason an application may not send (see {@link CloseCodes#validate}): a code reserved by
 * RFC 6455 §7.4, a reason over 123 UTF-8 bytes or without a UTF-8 form. Thrown by
 * {@link WebSocketConnection#close}, before anything reaches the wire.
 */
public final class InvalidCloseException extends LivePushException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception (HTTP status 500: the application, not the client, chose the code or reason).
   *
   * @param message the rule broken
   */
  public InvalidCloseException(String message) {
    super(message, 500);
  }
}
