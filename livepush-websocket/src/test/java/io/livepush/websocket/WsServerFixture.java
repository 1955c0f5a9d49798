package io.livepush.websocket;

import io.livepush.LivePushServer;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The server and JDK WebSocket client of one test: 127.0.0.1, port 0, no shutdown drain; after the test the
 * client is aborted and the server closed. Register as an instance field with {@code @RegisterExtension}.
 */
final class WsServerFixture implements AfterEachCallback {
  private volatile LivePushServer server;
  private volatile JdkClient client;

  /** Builds {@code b} on 127.0.0.1, port 0, no shutdown drain, and starts it. */
  LivePushServer start(LivePushServer.Builder b) {
    server = b.host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO).build();
    server.start().join();
    return server;
  }

  /** Connects a JDK WebSocket client to {@code path} of the started server. */
  JdkClient connect(String path) {
    client = JdkClient.connect(server.port(), path);
    return client;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (client != null) {
      client.ws.abort();
    }
    if (server != null) {
      server.close();
    }
  }
}
