package io.livepush.websocket;

import io.livepush.spi.Surrogates;
import java.nio.charset.StandardCharsets;

/**
 * The close codes (RFC 6455 §7.4.1; 1013 from the IANA registry) livepush sends, and the rule for codes an
 * application may send.
 *
 * <table>
 *   <caption>When livepush closes with which code</caption>
 *   <tr><th>Code</th><th>When</th></tr>
 *   <tr><td>1000</td><td>normal: a finished stream, an application {@code close(1000, ..)}, the echo of a
 *       client's 1000</td></tr>
 *   <tr><td>1001</td><td>server stopping; heartbeat timeout (peer silent after a ping)</td></tr>
 *   <tr><td>1002</td><td>protocol error (unmasked frame, reserved bits/opcodes, invalid close frame)</td></tr>
 *   <tr><td>1003</td><td>binary message from a client (livepush.v1 accepts text only)</td></tr>
 *   <tr><td>1007</td><td>invalid UTF-8, or a text message that is not JSON</td></tr>
 *   <tr><td>1008</td><td>policy: slow consumer, too many pending application messages</td></tr>
 *   <tr><td>1009</td><td>frame over {@code maxFrameSize}, message over {@code maxMessageSize}, or a compressed
 *       message inflating past the {@code permessageDeflate} limit</td></tr>
 *   <tr><td>1011</td><td>internal error (a message handler threw)</td></tr>
 *   <tr><td>1013</td><td>try again later: the server is at {@code maxConnections}</td></tr>
 * </table>
 */
public final class CloseCodes {
  /** 1000 Normal Closure (RFC 6455 §7.4.1). */
  public static final int NORMAL = 1000;
  /** 1001 Going Away: the server is stopping (RFC 6455 §7.4.1). */
  public static final int GOING_AWAY = 1001;
  /** 1002 Protocol Error (RFC 6455 §7.4.1). */
  public static final int PROTOCOL_ERROR = 1002;
  /** 1003 Unsupported Data: a binary message (RFC 6455 §7.4.1). */
  public static final int UNSUPPORTED_DATA = 1003;
  /** 1007 Invalid Frame Payload Data: bad UTF-8 or not JSON (RFC 6455 §7.4.1). */
  public static final int INVALID_PAYLOAD = 1007;
  /** 1008 Policy Violation (RFC 6455 §7.4.1). */
  public static final int POLICY_VIOLATION = 1008;
  /** 1009 Message Too Big (RFC 6455 §7.4.1). */
  public static final int MESSAGE_TOO_BIG = 1009;
  /** 1011 Internal Error (RFC 6455 §7.4.1; IANA WebSocket Close Code Number Registry). */
  public static final int INTERNAL_ERROR = 1011;
  /** 1013 Try Again Later (IANA WebSocket Close Code Number Registry). */
  public static final int TRY_AGAIN_LATER = 1013;

  /** Longest close reason: a control frame carries at most 125 bytes, two of them the code. */
  public static final int MAX_REASON_BYTES = 123;

  private CloseCodes() {}

  /**
   * Checks that an application may send {@code code}: 1000-1003, 1007-1014 or 3000-4999 (RFC 6455 §7.4.1-2;
   * 1004-1006 and 1015 must never be sent, 1016-2999 are reserved), and that {@code reason} fits.
   *
   * The reason must have a UTF-8 form (no unpaired surrogate: RFC 6455 §5.5.1 makes it UTF-8, and livepush
   * never replaces a character) of at most {@value #MAX_REASON_BYTES} bytes.
   *
   * @param code the close status code
   * @param reason the close reason, or {@code null} for none
   * @throws InvalidCloseException naming the rule broken
   */
  public static void validate(int code, String reason) {
    boolean ok = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
        || (code >= 3000 && code <= 4999);
    if (!ok) {
      throw new InvalidCloseException("code: " + code + " (expected: 1000-1003, 1007-1014 or 3000-4999)");
    }
    if (reason == null) {
      return;
    }
    int unpaired = Surrogates.firstUnpaired(reason);
    if (unpaired >= 0) {
      throw new InvalidCloseException("reason: unpaired surrogate at index " + unpaired + " (expected: UTF-8 text)");
    }
    if (reason.getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
      throw new InvalidCloseException("reason: " + reason.length() + " characters (expected: <= "
          + MAX_REASON_BYTES + " UTF-8 bytes)");
    }
  }

  /**
   * The close code livepush sends when the core ends a session for {@code reason} (application closes carry
   * their own code): 1001 for stopping and heartbeat timeouts, 1008 for slow consumers and policy violations,
   * 1002 for protocol errors, 1011 for internal errors, else 1000.
   *
   * @param reason why the core closes the session
   * @return the close code
   */
  public static int of(io.livepush.CloseReason reason) {
    switch (reason) {
      case SERVER_STOPPING:
      case HEARTBEAT_TIMEOUT:
        return GOING_AWAY;
      case SLOW_CONSUMER:
      case POLICY_VIOLATION:
        return POLICY_VIOLATION;
      case PROTOCOL_ERROR:
        return PROTOCOL_ERROR;
      case INTERNAL_ERROR:
        return INTERNAL_ERROR;
      default:
        return NORMAL;
    }
  }

  /**
   * The short reason livepush sends with {@link #of(io.livepush.CloseReason)}'s code.
   *
   * @param reason why the core closes the session
   * @return a reason of at most {@value #MAX_REASON_BYTES} ASCII bytes
   */
  public static String reasonText(io.livepush.CloseReason reason) {
    switch (reason) {
      case SERVER_STOPPING:
        return "server stopping";
      case HEARTBEAT_TIMEOUT:
        return "heartbeat timeout";
      case SLOW_CONSUMER:
        return "slow consumer: resume from your last id";
      default:
        return reason.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }
  }
}
