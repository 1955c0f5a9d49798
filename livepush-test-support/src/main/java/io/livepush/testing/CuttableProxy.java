package io.livepush.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of a server whose connections a test can cut all at once: the client sees the network
 * drop, the server sees its peers go, and, unlike a restart, the server keeps its replay log and epoch, so the
 * client must resume. {@link #silenceAll()} instead keeps the connections open but stops forwarding the server's
 * bytes, as a dead network path does, for heartbeat tests. Blocking sockets with two pump threads per connection:
 * fine for the handful of connections of a test.
 */
public final class CuttableProxy implements AutoCloseable {
  private final ServerSocket listener;
  /** Where new connections go; {@link #retarget} moves it, as a load balancer moves off a dead node. */
  private volatile InetSocketAddress target;
  /** Open connections: client side to server side. */
  private final Map<Socket, Socket> pairs = new ConcurrentHashMap<>();
  private final AtomicInteger accepted = new AtomicInteger();
  /** Client sockets whose server-to-client bytes are discarded. */
  private final Set<Socket> silenced = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;

  /** Listens on a free loopback port and forwards to {@code targetPort} on loopback. */
  public CuttableProxy(int targetPort) throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    this.target = new InetSocketAddress(loopback, targetPort);
    this.listener = new ServerSocket(0, 50, loopback);
    this.acceptor = new Thread(this::acceptLoop, "proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The port clients connect to. */
  public int port() {
    return listener.getLocalPort();
  }

  /** Client connections accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  /** Client connections open through the proxy now (accepted and not yet cut or closed). */
  public int open() {
    return pairs.size();
  }

  /** From now on, forwards new connections to {@code targetPort} on loopback (open ones are not moved). */
  public void retarget(int targetPort) {
    this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
  }

  /** Closes every proxied connection (both sides) and returns how many client connections were open. */
  public int cutAll() {
    int n = 0;
    for (Socket client : pairs.keySet()) {
      Socket upstream = pairs.remove(client);
      if (upstream != null) {
        closeQuietly(client);
        closeQuietly(upstream);
        n++;
      }
    }
    return n;
  }

  /**
   * From now on, discards what the server sends on every open connection (new connections are not affected) and
   * returns how many were silenced: the client hears nothing, the server notices nothing.
   */
  public int silenceAll() {
    silenced.addAll(pairs.keySet());
    return pairs.size();
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      accepted.incrementAndGet();
      Socket upstream = new Socket();
      try {
        upstream.setTcpNoDelay(true);
        client.setTcpNoDelay(true);
        upstream.connect(target, 5_000);
      } catch (IOException e) {
        closeQuietly(client);
        closeQuietly(upstream);
        continue;
      }
      pairs.put(client, upstream);
      pump(client, upstream, client, false);
      pump(upstream, client, client, true);
    }
  }

  private void pump(Socket from, Socket to, Socket client, boolean toClient) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          if (toClient && silenced.contains(client)) {
            continue;
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // cut or peer gone
      } finally {
        pairs.remove(client);
        silenced.remove(client);
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    cutAll();
  }
}
