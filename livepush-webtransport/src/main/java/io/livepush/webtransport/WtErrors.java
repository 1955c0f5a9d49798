package io.livepush.webtransport;

/**
 * The error codes of draft-ietf-webtrans-http3 (§9.5) livepush sends on QUIC streams. Session close codes are
 * the application's (livepush sends WebSocket close codes in CLOSE_WEBTRANSPORT_SESSION, see {@link WtConnect}).
 */
final class WtErrors {
  /** WT_BUFFERED_STREAM_REJECTED: a stream for a session the server does not have (or a second livepush.v1 one). */
  static final int WT_BUFFERED_STREAM_REJECTED = 0x3994bd84;
  /** WT_SESSION_GONE: the stream's session ended before the stream did. */
  static final int WT_SESSION_GONE = 0x170d7b68;

  /** H3_MESSAGE_ERROR (RFC 9114 §8.1): a malformed capsule sequence on a session's CONNECT stream. */
  static final int H3_MESSAGE_ERROR = 0x10e;

  private WtErrors() {}
}
