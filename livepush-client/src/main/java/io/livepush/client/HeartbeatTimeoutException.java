package io.livepush.client;

import java.time.Duration;

/**
 * The connection was silent (no byte on SSE, no message or ping on WebSocket) for longer than
 * {@link LivePushClient.Builder#heartbeatTimeout} while the client was reading. Not terminal: the connection is
 * dropped and resumed; state listeners see it as the cause of {@link ClientState#RECONNECTING}.
 */
public final class HeartbeatTimeoutException extends LivePushClientException {
  private static final long serialVersionUID = 1L;

  /**
   * After {@code silence} without input.
   *
   * @param silence how long it was silent
   */
  public HeartbeatTimeoutException(Duration silence) {
    super("no input for " + silence.toMillis() + " ms");
  }
}
