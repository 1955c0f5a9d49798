package io.livepush.bench.jmh;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.bench.Payload;
import io.livepush.spi.PublishedEvent;
import io.livepush.sse.SseEncoder;
import io.livepush.sse.SseTransport;
import io.livepush.websocket.WebSocketTransport;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Encoding one event, once per publish and transport: {@link SseEncoder#event} directly, and each transport's
 * public {@code Transport.encode(PublishedEvent)} (SSE block; WebSocket frame = header + livepush.v1 envelope).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EncodeBench {
  @Param({"64", "1024"})
  public int size;

  private byte[] payload;
  private PublishedEvent event;
  private final SseTransport sse = SseTransport.builder().multiTopicPath("/events").build();
  private final WebSocketTransport ws = WebSocketTransport.builder().build();

  @Setup
  public void setup() {
    payload = Payload.bytes(123_456, System.nanoTime(), size);
    EventId id = EventId.of(0x12_3456_789AL, 1_000_000);
    byte[] p = payload;
    event = new PublishedEvent() {
      @Override
      public String topic() {
        return "bench";
      }

      @Override
      public EventId id() {
        return id;
      }

      @Override
      public String type() {
        return "tick";
      }

      @Override
      public Event.Kind kind() {
        return Event.Kind.JSON;
      }

      @Override
      public byte[] payload() {
        return p;
      }
    };
  }

  @Benchmark
  public byte[] sseEncoderEvent() {
    return SseEncoder.event("4fzyo82-lfls", "tick", Event.Kind.JSON, payload);
  }

  @Benchmark
  public byte[] sseTransportEncode() {
    return sse.encode(event);
  }

  @Benchmark
  public byte[] wsTransportEncode() {
    return ws.encode(event);
  }
}
