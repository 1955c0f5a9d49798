package io.livepush;

/**
 * The server could not listen on its address: the port is taken by another process (the common case), the port
 * needs privileges ({@code < 1024} on most systems), or the host is not an address of this machine. The future
 * of {@link LivePushServer#start()} completes with it; the server is stopped by then and cannot be restarted.
 * The message names the address and how to choose another ({@link LivePushServer.Builder#port(int)}, {@code 0}
 * for any free port; {@link LivePushServer.Builder#host(String)}); the operating system's error is the cause.
 */
public final class ServerBindException extends LivePushException {
  private static final long serialVersionUID = 1L;
  /** The configured host. */
  private final String host;
  /** The configured port. */
  private final int port;
  /** The operating system's words for the failure. */
  private final String reason;

  /**
   * Creates the exception for a failed bind.
   *
   * @param host the configured host ({@code 0.0.0.0} for every IPv4 interface)
   * @param port the configured port
   * @param cause the transport's error (for example {@link java.net.BindException}); may be {@code null}
   */
  public ServerBindException(String host, int port, Throwable cause) {
    super("cannot listen on " + host + ":" + port + ": " + reason(cause)
        + " (choose another port with LivePushServer.Builder.port(int), 0 for any free port, or another host with"
        + " host(String))", 500, cause);
    this.host = host;
    this.port = port;
    this.reason = reason(cause);
  }

  private static String reason(Throwable cause) {
    if (cause instanceof java.nio.channels.UnresolvedAddressException) {
      return "unknown host"; // neither an IP literal nor a name the resolver knows; the exception has no message
    }
    String m = cause == null ? null : cause.getMessage();
    if (m == null) {
      return "bind failed";
    }
    // Netty's native transport says "bind(..) failed with error(-98): Address already in use"; keep the
    // operating system's words, which are what an operator searches for.
    int colon = m.lastIndexOf(": ");
    return colon >= 0 && m.startsWith("bind(") ? m.substring(colon + 2) : m;
  }

  /**
   * The host the server tried to bind.
   *
   * @return the configured host, as given to {@link LivePushServer.Builder#host(String)}
   */
  public String host() {
    return host;
  }

  /**
   * Why binding failed, in the operating system's words.
   *
   * @return for example {@code Address already in use}, {@code Permission denied}, or {@code unknown host} for a
   *     host that is neither an IP literal nor a name the resolver knows
   */
  public String reason() {
    return reason;
  }

  /**
   * The port the server tried to bind.
   *
   * @return the configured port, {@code 1..65535} (binding port {@code 0} does not fail for want of a port)
   */
  public int port() {
    return port;
  }
}
