package io.livepush.bench.jmh;

import io.livepush.Event;
import io.livepush.LivePushServer;
import io.livepush.bench.LoadGen;
import io.livepush.bench.Payload;
import io.livepush.sse.SseTransport;
import io.livepush.websocket.WebSocketTransport;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The fan-out loop end to end in one JVM: one publish to {@code subscribers} local connections (loopback,
 * one server event loop, one client event loop), timed until every subscriber has received it. Per
 * operation = one broadcast; divide by {@code subscribers} for the cost per delivery (server, kernel and
 * client work all included, so this is an upper bound on the server's share).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class FanoutBench {
  @Param({"100", "1000"})
  public int subscribers;

  @Param({"SSE", "WS"})
  public String transport;

  private LivePushServer server;
  private LoadGen gen;
  private Event event;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    server = LivePushServer.builder().host("127.0.0.1").port(0).ioThreads(1)
        .transport(SseTransport.builder().multiTopicPath("/events").build())
        .transport(WebSocketTransport.builder().build())
        .build();
    server.start().join();
    gen = new LoadGen(new InetSocketAddress("127.0.0.1", server.port()), 1, List.of());
    gen.open(LoadGen.Kind.valueOf(transport), "bench", null, subscribers, 200, 60_000);
    event = Event.rawJson(Payload.json(1, 1, 64));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    gen.close();
    server.close();
  }

  @Benchmark
  public long broadcast() {
    long target = gen.events.sum() + subscribers;
    server.publish("bench", event);
    long n;
    while ((n = gen.events.sum()) < target) {
      Thread.yield(); // the server and client loops need the cores more than this thread
    }
    return n;
  }
}
