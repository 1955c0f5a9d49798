package io.livepush;

/** Why a connection ended; passed to {@link ConnectionListener#onClose}. */
public enum CloseReason {
  /** The client closed the connection or it broke. */
  CLIENT_CLOSED,
  /** The peer did not answer heartbeats in time. */
  HEARTBEAT_TIMEOUT,
  /** The server is shutting down. */
  SERVER_STOPPING,
  /** The connection could not keep up and the slow-consumer policy is to disconnect. */
  SLOW_CONSUMER,
  /** The peer broke the protocol. */
  PROTOCOL_ERROR,
  /** The peer broke a policy (limits, authorization). */
  POLICY_VIOLATION,
  /** The application closed it. */
  APPLICATION,
  /** A finite stream (for example an SSE answer stream) completed. */
  COMPLETED,
  /** An unexpected server-side error. */
  INTERNAL_ERROR
}
