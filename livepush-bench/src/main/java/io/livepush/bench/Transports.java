package io.livepush.bench;

import io.livepush.LivePushServer;
import io.livepush.spi.Transport;

/** Adds the WebSocket transport when its module is on the class path (it is built on a separate branch). */
final class Transports {
  private static final String WS = "io.livepush.websocket.WebSocketTransport";

  private Transports() {}

  static boolean webSocketAvailable() {
    try {
      Class.forName(WS);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  static void addWebSocket(LivePushServer.Builder b) throws ReflectiveOperationException {
    if (!webSocketAvailable()) {
      return;
    }
    Object builder = Class.forName(WS).getMethod("builder").invoke(null);
    b.transport((Transport) builder.getClass().getMethod("build").invoke(builder));
  }
}
