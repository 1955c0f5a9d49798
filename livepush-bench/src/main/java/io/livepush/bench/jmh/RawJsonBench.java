package io.livepush.bench.jmh;

import io.livepush.Event;
import io.livepush.bench.Payload;
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
 * What the raw-JSON check costs a publish: {@link Event#rawJson} (UTF-8 encoding plus one streaming parse with
 * duplicate-key detection) against {@link Event#text} of the same string (UTF-8 encoding only), for the
 * benchmark payload (one object, three members) and a 64-member object, which exercises duplicate detection.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RawJsonBench {
  @Param({"64", "1024"})
  public int size;

  private String flat;
  private String wide;

  @Setup
  public void setup() {
    flat = Payload.json(123_456, System.nanoTime(), size);
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < 64; i++) {
      sb.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(i);
    }
    wide = sb.append('}').toString();
  }

  @Benchmark
  public Event rawJsonChecked() {
    return Event.rawJson(flat);
  }

  @Benchmark
  public Event textUnchecked() {
    return Event.text(flat);
  }

  @Benchmark
  public Event rawJson64Members() {
    return Event.rawJson(wide);
  }
}
