package io.livepush.websocket;

import io.livepush.LivePushServer;
import java.time.Duration;

/**
 * Echo endpoint for the Autobahn fuzzing client (autobahntestsuite-maven-plugin, see the module pom): a real
 * {@link LivePushServer} whose {@link WebSocketTransport} runs livepush's WebSocket pipeline in
 * {@link WebSocketTransport.Builder#conformanceEcho conformance echo} mode on path {@code /}. The plugin calls
 * {@code main} with the port in the Maven JVM; the server stops with that JVM.
 */
public final class AutobahnEchoServer {
  /** Group 9 sends messages up to 16 MiB. */
  static final int MAX = 64 * 1024 * 1024;

  private AutobahnEchoServer() {}

  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 9001;
    LivePushServer server = LivePushServer.builder()
        .port(port)
        .nativeTransport(false)
        .heartbeatInterval(Duration.ofSeconds(60))
        .maxRequestBytes(64 * 1024)
        .transport(WebSocketTransport.builder()
            .path("/")
            .allowAnyOrigin()
            .maxFrameSize(MAX)
            .maxMessageSize(MAX)
            .conformanceEcho(true)
            .build())
        .build();
    server.start().join();
    server.closeOnJvmShutdown();
    System.out.println("AutobahnEchoServer listening on " + server.port());
  }
}
