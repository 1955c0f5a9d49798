package io.livepush.client.internal;

/**
 * One attempt at a stream (an SSE response or a WebSocket). Created, opened and driven on the client's thread;
 * reports to its {@link ClientEngine}, which ignores a connection that is no longer current.
 */
interface Connection {
  /** Starts connecting from {@code position} ({@code null}: live). Failures are reported, not thrown. */
  void open(String position);

  /** The consumer made room: read on if reading was paused. */
  void resumeReading();

  /** Whether the connection waits for input from the server (the heartbeat watchdog applies). */
  boolean awaitingInput();

  /**
   * The open connection has been silent for {@code silentNanos} (a third of the heartbeat timeout or more) while
   * reading: a transport that can probe the peer does so. Default: nothing (an SSE client cannot write).
   */
  default void idle(long silentNanos) {}

  /** Drops the connection without reporting; idempotent. {@code graceful}: say goodbye first when the wire can. */
  void abort(boolean graceful);
}
