package io.livepush.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An HTTP/1.1 proxy of the kind that breaks streaming: it forwards each request with {@code Connection: close}
 * (dropping {@code Upgrade}, so WebSocket handshakes fail as through proxies that block upgrades) and holds the
 * whole response until the upstream closes it, then sends it at once. Complete responses (pages, scripts,
 * long-polls) pass; an event stream never does. One thread per connection; {@link #close} ends them all.
 * GET and HEAD only (no request bodies).
 */
final class BufferingProxy implements AutoCloseable {
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "upgrade", "keep-alive");
  private final ServerSocket listener;
  private final int upstreamPort;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

  BufferingProxy(int upstreamPort) throws IOException {
    this.upstreamPort = upstreamPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "buffering-proxy");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        sockets.add(client);
        Thread t = new Thread(() -> serve(client), "buffering-proxy-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket client) {
    try (client; Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
      sockets.add(upstream);
      String head = readHead(client.getInputStream());
      StringBuilder forwarded = new StringBuilder();
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (forwarded.length() > 0 && colon > 0
            && HOP_BY_HOP.contains(line.substring(0, colon).trim().toLowerCase(Locale.ROOT))) {
          continue;
        }
        forwarded.append(line).append("\r\n");
      }
      forwarded.append("Connection: close\r\n\r\n");
      upstream.getOutputStream().write(forwarded.toString().getBytes(StandardCharsets.ISO_8859_1));
      byte[] response = upstream.getInputStream().readAllBytes(); // the whole response, however long it takes
      client.getOutputStream().write(response);
    } catch (IOException e) {
      // a side went away: nothing to deliver
    } finally {
      sockets.removeIf(s -> s == client || s.isClosed());
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("request cut");
      }
      head.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String s = head.toString(StandardCharsets.ISO_8859_1);
    return s.substring(0, s.length() - 4);
  }

  @Override
  public void close() {
    try {
      listener.close();
    } catch (IOException e) {
      // closing anyway
    }
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
