package io.livepush.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.LivePushServer;
import io.livepush.RequestInfo;
import io.livepush.TopicAuthorizer;
import io.livepush.testing.ClusterClients;
import io.netty.channel.epoll.Epoll;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client that goes away while a callback of the admission stage decides (a stream handler, a topic
 * authorizer) gives its connection slot back when it closes, not when the callback returns, which may be much
 * later or never: with {@code maxConnections(1)} the next client is served meanwhile. The close is seen with
 * reading paused only on the native transport (EPOLLRDHUP), the default on Linux. Raw sockets.
 */
class AdmissionSlotOnCloseTest {
  private final CountDownLatch release = new CountDownLatch(1);
  private final Semaphore entered = new Semaphore(0);
  private LivePushServer server;

  @BeforeEach
  void nativeTransport() {
    Assumptions.assumeTrue(Epoll.isAvailable(), "NIO sees the close only when the callback returns");
  }

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      server.close();
    }
  }

  private void start(SseTransport.Builder sse, TopicAuthorizer authorizer) {
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO).maxConnections(1)
        .topicAuthorizer(authorizer).transport(sse.build()).build();
    server.start().join();
  }

  private void awaitEntered() throws InterruptedException {
    assertThat(entered.tryAcquire(20, TimeUnit.SECONDS)).as("callback entered").isTrue();
  }

  private void hang() {
    entered.release();
    try {
      release.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Socket send(String request) throws Exception {
    Socket s = new Socket("127.0.0.1", server.port());
    OutputStream out = s.getOutputStream();
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return s;
  }

  @Test
  void aStreamHandlerThatHasNotDecidedYet() throws Exception {
    start(SseTransport.builder().stream("POST", "/ask", req -> {
      hang();
      return StreamResponse.reject(400, "late");
    }), TopicAuthorizer.ALLOW_ALL);
    String ask = "POST /ask HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
    send(ask).close();
    awaitEntered();
    ClusterClients.await("the slot back", () -> server.connectionCount() == 0);
    try (Socket second = send(ask)) {
      awaitEntered(); // admitted, not 503: its handler runs
    }
  }

  @Test
  void aTopicAuthorizerThatHasNotDecidedYet() throws Exception {
    start(SseTransport.builder().route("/live/{id}", "t:{id}"), new TopicAuthorizer() {
      @Override
      public boolean canSubscribe(RequestInfo request, String topic) {
        hang();
        return true;
      }
    });
    String get = "GET /live/1 HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n";
    send(get).close();
    awaitEntered();
    ClusterClients.await("the slot back", () -> server.connectionCount() == 0);
    try (Socket second = send(get)) {
      awaitEntered();
    }
  }
}
