package io.livepush.websocket;

import io.livepush.LivePushServer;
import java.time.Duration;

/**
 * Echo endpoint for the Autobahn|Testsuite fuzzing client: a real {@link LivePushServer} whose
 * {@link WebSocketTransport} runs livepush's WebSocket pipeline in
 * {@link WebSocketTransport.Builder#conformanceEcho conformance echo} mode on path {@code /}, with
 * permessage-deflate on (groups 12 and 13). {@link AutobahnConformanceTest} starts it on port 0; {@code main}
 * starts it on a given port (default 9001) for a manual run of {@code src/test/autobahn/fuzzingclient.sh}.
 */
public final class AutobahnEchoServer {
  /** Group 9 sends messages up to 16 MiB. */
  static final int MAX = 64 * 1024 * 1024;

  private AutobahnEchoServer() {}

  /** Starts the echo server on loopback, {@code port} 0 for any free port; the caller closes it. */
  static LivePushServer start(int port) {
    LivePushServer server = builder(port).build();
    server.start().join();
    return server;
  }

  /** The echo server's configuration, for tests that vary it (event loops, authenticator). */
  static LivePushServer.Builder builder(int port) {
    return LivePushServer.builder()
        .host("127.0.0.1")
        .port(port)
        .nativeTransport(false)
        .heartbeatInterval(Duration.ofSeconds(60))
        .maxRequestBytes(64 * 1024)
        .shutdownDrain(Duration.ZERO)
        .transport(WebSocketTransport.builder()
            .path("/")
            .allowAnyOrigin()
            .maxFrameSize(MAX)
            .maxMessageSize(MAX)
            .permessageDeflate(MAX)
            .conformanceEcho(true)
            .build());
  }

  public static void main(String[] args) {
    LivePushServer server = start(args.length > 0 ? Integer.parseInt(args[0]) : 9001);
    server.closeOnJvmShutdown();
    System.out.println("AutobahnEchoServer listening on " + server.port());
  }
}
