package io.livepush;

/**
 * What the core does with a subscription whose connection is over its outbound budget
 * ({@link LivePushServer.Builder#maxPendingOutboundBytes(int)}, Netty's high write-buffer water mark: the
 * channel is not writable) when a live event for it arrives. Memory stays bounded under every policy: nothing is
 * queued beyond the budget plus, for {@link #KEEP_LATEST}, one event per subscription.
 */
public enum SlowConsumerPolicy {
  /**
   * Close the connection ({@link CloseReason#SLOW_CONSUMER}; WebSocket close 1008). The client reconnects with
   * its last id and the replay log fills the gap, so nothing is lost while the log still holds it. The default.
   */
  DISCONNECT,
  /**
   * Skip events while the connection is not writable; once it drains below the low water mark, send a
   * {@code reset} with {@link ResetReason#SLOW_CONSUMER} for the topic and continue live. The client reloads
   * state from the application.
   */
  DROP_WITH_RESET,
  /**
   * Conflate: while the connection is not writable keep only the newest pending event of the topic, and write
   * it when the connection drains. Right for state snapshots (a scoreboard, a price), wrong for deltas.
   */
  KEEP_LATEST
}
