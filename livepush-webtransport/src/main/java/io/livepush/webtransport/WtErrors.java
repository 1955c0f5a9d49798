package io.livepush.webtransport;

import io.netty.handler.codec.http3.Http3ErrorCode;

/**
 * The error codes of draft-ietf-webtrans-http3 (§9.5) livepush sends on QUIC streams. Session close codes are
 * the application's (livepush sends WebSocket close codes in CLOSE_WEBTRANSPORT_SESSION, see {@link WtConnect}).
 */
final class WtErrors {
  /** WT_BUFFERED_STREAM_REJECTED: a stream for a session the server does not have (or a second livepush.v1 one). */
  static final int WT_BUFFERED_STREAM_REJECTED = 0x3994bd84;
  /** WT_SESSION_GONE: the stream's session ended before the stream did. */
  static final int WT_SESSION_GONE = 0x170d7b68;

  // HTTP/3's own codes (RFC 9114 §8.1) are Netty's Http3ErrorCode values, named here for QuicStreamChannel's int API.
  /** H3_MESSAGE_ERROR: a malformed capsule sequence on a session's CONNECT stream, a malformed request. */
  static final int H3_MESSAGE_ERROR = Http3ErrorCode.H3_MESSAGE_ERROR.code();
  /**
   * H3_NO_ERROR: STOP_SENDING for a request body the answer no longer needs (§4.1); the close of every QUIC
   * connection when the server stops.
   */
  static final int H3_NO_ERROR = Http3ErrorCode.H3_NO_ERROR.code();
  /** H3_REQUEST_INCOMPLETE: a request stream whose header section did not arrive in time. */
  static final int H3_REQUEST_INCOMPLETE = Http3ErrorCode.H3_REQUEST_INCOMPLETE.code();

  private WtErrors() {}
}
