package io.livepush.sse;

import io.livepush.LivePushServer;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The server of one test on real sockets: 127.0.0.1, port 0, no shutdown drain; closed after the test. Register
 * as an instance field with {@code @RegisterExtension}.
 */
final class ServerFixture implements AfterEachCallback {
  private volatile LivePushServer server;

  /** Builds {@code b} on 127.0.0.1, port 0, no shutdown drain, and starts it. */
  LivePushServer start(LivePushServer.Builder b) {
    server = b.host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO).build();
    server.start().join();
    return server;
  }

  /** The started server ({@code null} before {@link #start}). */
  LivePushServer server() {
    return server;
  }

  /** {@code http://127.0.0.1:port} + {@code path} of the started server. */
  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (server != null) {
      server.close();
    }
  }
}
