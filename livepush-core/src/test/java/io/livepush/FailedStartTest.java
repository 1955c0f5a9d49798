package io.livepush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.livepush.spi.ServerListener;
import io.livepush.spi.TransportContext;
import io.livepush.testing.Await;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every way {@link LivePushServer#start()} can fail after it made its event loops leaves nothing behind: the
 * future fails with the cause, the server is closed, its {@code livepush-accept}/{@code livepush-io} threads end,
 * and a port it had bound is free again. Before, a transport whose {@code init} threw left both loop groups
 * running and the server stuck in "starting"; a {@code listen} that threw left {@code start()} never completing.
 */
class FailedStartTest {

  /** The live threads of livepush's loop groups. */
  private static Set<Thread> loopThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("livepush-accept") || t.getName().startsWith("livepush-io"))
        .collect(Collectors.toSet());
  }

  /** Starts a server with {@code transports}, expects the start to fail, and checks what is left. */
  private static Throwable failedStart(StreamlessTransport... transports) throws Exception {
    Set<Thread> before = loopThreads();
    LivePushServer.Builder b = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO);
    for (StreamlessTransport t : transports) {
      b.transport(t);
    }
    LivePushServer server = b.build();
    CompletableFuture<LivePushServer> started = server.start();
    Throwable thrown = catchThrowable(() -> started.get(20, TimeUnit.SECONDS));
    assertThat(thrown).as("start() failed (and did not hang)").isInstanceOf(ExecutionException.class);
    assertThat(server.whenClosed().toCompletableFuture()).as("stopped before start()'s future failed").isDone();
    Await.until("the server's event-loop threads to end", Duration.ofSeconds(20), () -> {
      Set<Thread> left = loopThreads();
      left.removeAll(before);
      return left.isEmpty();
    });
    server.close(); // stopping again is harmless
    return thrown.getCause();
  }

  @Test
  void aTransportWhoseInitThrowsLeavesNoThreads() throws Exception {
    Probe first = new Probe("first", ctx -> null);
    Probe second = new Probe("second", ctx -> {
      throw new IllegalStateException("init refused");
    });

    Throwable cause = failedStart(first, second);

    assertThat(cause).isInstanceOf(IllegalStateException.class).hasMessage("init refused");
    assertThat(first.inits.get()).isEqualTo(1);
    assertThat(first.stops.get()).as("transports are told to stop listening").isEqualTo(1);
    assertThat(first.listened.get()).as("nothing was bound").isNull();
  }

  @Test
  void aListenThatFailsReleasesTheBoundPortAndTheOtherListeners() throws Exception {
    Probe ok = new Probe("ok", ctx -> null);
    Probe failing = new Probe("failing", ctx -> null);
    failing.listen = l -> CompletableFuture.failedFuture(new IllegalStateException("udp port taken"));

    Throwable cause = failedStart(ok, failing);

    assertThat(cause).hasMessage("udp port taken");
    assertThat(ok.stops.get()).as("the listener that did start is stopped").isEqualTo(1);
    assertPortFree(ok.listened.get());
  }

  @Test
  void aListenThatThrowsFailsTheStartInsteadOfHangingIt() throws Exception {
    Probe throwing = new Probe("throwing", ctx -> null);
    throwing.listen = l -> {
      throw new IllegalStateException("listen threw");
    };

    Throwable cause = failedStart(throwing);

    assertThat(cause).isInstanceOf(IllegalStateException.class).hasMessage("listen threw");
    assertPortFree(throwing.listened.get());
  }

  private static void assertPortFree(InetSocketAddress bound) throws Exception {
    assertThat(bound).as("the TCP port was bound before listen").isNotNull();
    // The listening socket is closed before the loops end (which failedStart awaited): the port binds again.
    try (ServerSocket again = new ServerSocket()) {
      again.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), bound.getPort()));
      assertThat(again.getLocalPort()).isEqualTo(bound.getPort());
    }
  }

  /** A transport that claims nothing and records its life; its init and listen do what the test says. */
  private static final class Probe extends StreamlessTransport {
    final Function<TransportContext, Void> init;
    Function<ServerListener, CompletionStage<Void>> listen = l -> CompletableFuture.completedFuture(null);
    final AtomicInteger inits = new AtomicInteger();
    final AtomicInteger stops = new AtomicInteger();
    final AtomicReference<InetSocketAddress> listened = new AtomicReference<>();

    Probe(String name, Function<TransportContext, Void> init) {
      super(name);
      this.init = init;
    }

    @Override
    public void init(TransportContext context) {
      inits.incrementAndGet();
      init.apply(context);
    }

    @Override
    public CompletionStage<Void> listen(ServerListener listener) {
      listened.set(listener.localAddress());
      return listen.apply(listener);
    }

    @Override
    public CompletionStage<Void> stopListening() {
      stops.incrementAndGet();
      return CompletableFuture.completedFuture(null);
    }
  }
}
