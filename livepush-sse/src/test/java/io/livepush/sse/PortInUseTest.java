package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.livepush.LivePushServer;
import io.livepush.ServerBindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A port another process holds: start() fails with a ServerBindException naming the address and the way out. */
class PortInUseTest {
  @ParameterizedTest(name = "native transport {0}")
  @ValueSource(booleans = {true, false})
  void startFailsWithTheAddressAndHowToChangeIt(boolean nativeTransport) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      LivePushServer server = LivePushServer.builder().host("127.0.0.1").port(port)
          .nativeTransport(nativeTransport)
          .transport(SseTransport.builder().route("/live/{id}", "t:{id}").build())
          .build();

      Throwable thrown = catchThrowable(() -> server.start().join());

      assertThat(thrown).isInstanceOf(CompletionException.class);
      assertThat(thrown.getCause()).isInstanceOf(ServerBindException.class);
      ServerBindException e = (ServerBindException) thrown.getCause();
      assertThat(e.host()).isEqualTo("127.0.0.1");
      assertThat(e.port()).isEqualTo(port);
      assertThat(e.getMessage())
          .startsWith("cannot listen on 127.0.0.1:" + port + ": ")
          .containsIgnoringCase("address already in use")
          .contains("port(int)");
      assertThat(e.getCause()).isNotNull();
      server.close(); // already stopped by the failed start: closing again is harmless
    }
  }

  @ParameterizedTest(name = "host {0}")
  @ValueSource(strings = {"no-such-host.invalid", "999.1.1.1"})
  void aHostThatDoesNotResolveIsNamedAsSuch(String host) {
    // The transport's UnresolvedAddressException has no message: "bind failed, choose another port" misled.
    LivePushServer server = LivePushServer.builder().host(host).port(0)
        .transport(SseTransport.builder().route("/live/{id}", "t:{id}").build())
        .build();
    Throwable thrown = catchThrowable(() -> server.start().join());
    assertThat(thrown.getCause()).isInstanceOf(ServerBindException.class);
    ServerBindException e = (ServerBindException) thrown.getCause();
    assertThat(e.reason()).isEqualTo("unknown host");
    assertThat(e.getMessage()).startsWith("cannot listen on " + host + ":0: unknown host").contains("host(String)");
    server.close();
  }
}
