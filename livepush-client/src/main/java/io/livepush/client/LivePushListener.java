package io.livepush.client;

/**
 * Receives what a {@link LivePushClient} reads, in server order. All methods have no-op defaults.
 *
 * <p><b>Threading:</b> every call runs on the client's own thread ({@code livepush-client-<n>}), one at a time,
 * never concurrently. A method may block: while it runs the client reads nothing more (the server's data waits
 * in TCP buffers, then in the server's outbound budget), which is how a slow listener slows the stream down
 * without anything being dropped. A server that loses patience closes the connection; the client then resumes
 * from the last position delivered to the wire, so nothing is lost either way. A listener that throws is
 * logged ({@link System.Logger}, {@code io.livepush.client}) and delivery goes on with the next item.
 */
public interface LivePushListener {
  /**
   * An event.
   *
   * @param event the event
   */
  default void onEvent(PushEvent event) {}

  /**
   * The server could not replay {@code reset.topic()}: reload its state; live events follow.
   *
   * @param reset the reset
   */
  default void onReset(Reset reset) {}

  /**
   * The client stopped for good. Called once, last.
   *
   * @param cause {@code null} after {@link LivePushClient#close()}, else the terminal failure (a
   *     {@link LivePushClientException} subclass)
   */
  default void onClosed(Throwable cause) {}
}
