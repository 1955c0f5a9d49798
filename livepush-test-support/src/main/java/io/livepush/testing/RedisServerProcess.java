package io.livepush.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} for tests, started on a free loopback port with persistence off. Fails (never
 * skips) when {@code redis-server} is not installed: CI installs it ({@code apt-get install -y redis-server}).
 * {@link #restart()} kills it and starts an empty one on the same port, which is what "Redis lost its data"
 * looks like to livepush.
 */
public final class RedisServerProcess implements AutoCloseable {
  private final String binary;
  private final Path dir;
  private int port;
  private Process process;

  private RedisServerProcess(String binary, Path dir) {
    this.binary = binary;
    this.dir = dir;
  }

  /** Starts one on a free loopback port. */
  public static RedisServerProcess start() throws Exception {
    String binary = findBinary();
    RedisServerProcess r = new RedisServerProcess(binary, Files.createTempDirectory("livepush-redis"));
    Exception last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        r.port = freePort();
        r.launch();
        return r;
      } catch (IOException e) {
        last = e; // the port was taken between probing and binding: try another
      }
    }
    throw last;
  }

  private static String findBinary() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File f = new File(dir, "redis-server");
      if (f.canExecute()) {
        return f.getPath();
      }
    }
    File f = new File("/usr/bin/redis-server");
    if (f.canExecute()) {
      return f.getPath();
    }
    throw new AssertionError("redis-server not found on PATH: install it (apt-get install -y redis-server); "
        + "cluster tests fail rather than skip without it");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private void launch() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(binary, "--bind", "127.0.0.1", "--port", Integer.toString(port),
        "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir.toString())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("redis-" + port + ".log").toFile());
    process = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("redis-server exited (port " + port + " taken?): "
            + Files.readString(dir.resolve("redis-" + port + ".log")));
      }
      if (ping()) {
        return;
      }
      process.waitFor(20, TimeUnit.MILLISECONDS); // poll interval while redis-server boots
    }
    process.destroyForcibly();
    throw new IOException("redis-server did not answer PING within 10 s");
  }

  private boolean ping() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[7];
      int n = in.readNBytes(buf, 0, 7);
      return n == 7 && new String(buf, StandardCharsets.US_ASCII).equals("+PONG\r\n");
    } catch (IOException e) {
      return false;
    }
  }

  /** The port it listens on (127.0.0.1). */
  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:<port>}. */
  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** Kills the server (SIGKILL: no goodbye to clients) and waits until it is gone. */
  public void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      process = null;
    }
  }

  /** Starts an empty server on the same port again. */
  public void startAgain() throws Exception {
    Exception last = null;
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        launch();
        return;
      } catch (IOException e) {
        last = e; // the old socket may linger briefly
        Thread.sleep(100); // retry pacing for an external process, not test synchronisation
      }
    }
    throw last;
  }

  @Override
  public void close() throws Exception {
    kill();
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
