package io.livepush.client;

/**
 * The SSE server's last event ID cannot be sent back in {@code Last-Event-ID}: it has characters other than
 * printable ASCII (U+0020–U+007E), or starts or ends with a space. {@code java.net.http} refuses control characters
 * and sends any other non-ASCII character as {@code ?}, so the server would be asked to resume from an id it never
 * sent. Terminal: reconnecting without the id would silently skip events. livepush's own ids are always
 * sendable; this comes only from other servers.
 */
public final class PositionNotSendableException extends LivePushClientException {
  private static final long serialVersionUID = 1L;

  /**
   * With a message, which must not quote the id itself (it may hold control characters).
   *
   * @param message the detail message
   */
  public PositionNotSendableException(String message) {
    super(message);
  }
}
