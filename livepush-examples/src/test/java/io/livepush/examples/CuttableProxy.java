package io.livepush.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of the example server whose connections a test can cut all at once: the browser sees
 * the network drop, the server sees its peers go, and, unlike a restart, the server keeps its replay log and
 * epoch, so the client must resume. Blocking sockets with two pump threads per connection: fine for the handful
 * of connections of a browser test.
 */
final class CuttableProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final InetSocketAddress target;
  /** Open connections: client side to server side. */
  private final Map<Socket, Socket> pairs = new ConcurrentHashMap<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private final Thread acceptor;

  CuttableProxy(int targetPort) throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    this.target = new InetSocketAddress(loopback, targetPort);
    this.listener = new ServerSocket(0, 50, loopback);
    this.acceptor = new Thread(this::acceptLoop, "proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  int accepted() {
    return accepted.get();
  }

  /** Closes every proxied connection (both sides) and returns how many client connections were open. */
  int cutAll() {
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
      pump(client, upstream, client);
      pump(upstream, client, client);
    }
  }

  private void pump(Socket from, Socket to, Socket client) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // cut or peer gone
      } finally {
        pairs.remove(client);
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
