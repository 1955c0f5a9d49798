package io.livepush.client;

import java.time.Duration;

/**
 * Told about each {@link ClientState} change, for logs, metrics or a status badge. Runs on the client's thread
 * (see {@link LivePushListener}); should not block.
 */
@FunctionalInterface
public interface StateListener {
  /**
   * Called when the client's state changes.
   *
   * @param state the new state
   * @param cause why the previous connection ended ({@link ClientState#RECONNECTING}) or why the client stopped
   *     ({@link ClientState#CLOSED}); {@code null} otherwise and after {@link LivePushClient#close()}
   * @param delay for {@link ClientState#RECONNECTING}, the backoff before the next attempt; else
   *     {@link Duration#ZERO}
   */
  void onState(ClientState state, Throwable cause, Duration delay);
}
