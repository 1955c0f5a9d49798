package io.livepush.bench;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One measured window of an open-loop fan-out, shared by every generator: starts the server's publisher
 * ({@code /bench/publish}), drops the warm-up's latencies, then measures {@code seconds} of deliveries, latency
 * and server CPU.
 *
 * @param latency the window's latencies (ns)
 * @param events events received in the window, by every connection
 * @param seconds the window's length as measured
 * @param cpuSeconds the server's CPU time in the window ({@code 0} without a pid)
 * @param generatorCpuSeconds this (generator) process's CPU time in the window: near {@code seconds} means the
 *     generator, not the server, set the pace
 */
record FanoutWindow(Histogram latency, long events, double seconds, double cpuSeconds, double generatorCpuSeconds) {

  static FanoutWindow measure(String target, long pid, double rate, int warmup, int seconds, int size,
      Recorder latency, LongAdder events) throws InterruptedException {
    Proc.get(target, "/bench/publish?rate=" + rate + "&seconds=" + (warmup + seconds + 1) + "&size=" + size);
    Thread.sleep(warmup * 1000L);
    latency.getIntervalHistogram(); // discard warm-up
    long e0 = events.sum();
    long c0 = Proc.cpuNanos(pid);
    long self = ProcessHandle.current().pid();
    long g0 = Proc.cpuNanos(self);
    long t0 = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    Histogram h = latency.getIntervalHistogram();
    long e1 = events.sum();
    long c1 = Proc.cpuNanos(pid);
    long g1 = Proc.cpuNanos(self);
    return new FanoutWindow(h, e1 - e0, (System.nanoTime() - t0) / 1e9, (c1 - c0) / 1e9, (g1 - g0) / 1e9);
  }
}
