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
  /** H3_NO_ERROR (RFC 9114 §8.1): STOP_SENDING for a request body the answer no longer needs (§4.1). */
  static final int H3_NO_ERROR = 0x100;
  /** H3_REQUEST_INCOMPLETE (RFC 9114 §8.1): a request stream whose header section did not arrive in time. */
  static final int H3_REQUEST_INCOMPLETE = 0x10d;

  private WtErrors() {}
}
