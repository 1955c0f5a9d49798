package io.livepush.bench;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads another process's CPU time and RSS from /proc, calls the control endpoints of a server, and makes the
 * answers every server under test gives the same way ({@link #heapAfterGc}).
 */
final class Proc {
  /** USER_HZ: the unit of utime/stime in /proc/[pid]/stat (100 on every Linux we run on). */
  static final long CLK_TCK = 100;

  private Proc() {}

  /** utime + stime of {@code pid} in nanoseconds (proc(5): fields 14 and 15 of /proc/[pid]/stat). */
  static long cpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14, 15 (1-based, after "pid (comm)")
      return ticks * (1_000_000_000L / CLK_TCK);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** VmRSS of {@code pid} in bytes, or -1. */
  static long rss(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /**
   * This JVM's {@code /bench/heap} answer, the same from every server under test ({@code BenchServer}, the peers):
   * heap used after three full GCs, a space, Netty's used direct memory, in bytes ({@code Main.heap} reads it).
   * Blocks for the GCs.
   */
  static String heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() + " "
        + io.netty.util.internal.PlatformDependent.usedDirectMemory();
  }

  /** GET {@code http://host:port path} and return the body as text. */
  static String get(String hostPort, String path) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create("http://" + hostPort + path).toURL().openConnection();
      c.setConnectTimeout(10_000);
      c.setReadTimeout(60_000);
      try (InputStream in = c.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      throw new IllegalStateException("GET " + hostPort + path + ": " + e, e);
    }
  }
}
