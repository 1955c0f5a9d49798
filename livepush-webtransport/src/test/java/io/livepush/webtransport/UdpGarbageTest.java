package io.livepush.webtransport;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.LivePushServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Garbage on the UDP port: empty datagrams, random bytes, QUIC long headers (Initial, 0-RTT, Handshake, Retry) with
 * version 1, an unknown version and absurd connection-id lengths, short headers for connections that do not
 * exist, and a session's own live QUIC connection meanwhile. The established session keeps receiving, a new QUIC
 * connection still opens a session, and nothing leaks (LeakGuard, paranoid).
 */
class UdpGarbageTest {
  private LivePushServer server;
  private WtTestClient client;
  private WtTestClient late;

  @AfterEach
  void stop() {
    for (WtTestClient c : new WtTestClient[] {client, late}) {
      if (c != null) {
        c.close();
      }
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void garbageDatagramsAreDroppedAndSessionsGoOn() throws Exception {
    WebTransportTransport wt = WtServers.transport();
    server = LivePushServer.builder().host("127.0.0.1").port(0).shutdownDrain(Duration.ZERO).transport(wt).build();
    server.start().join();
    client = new WtTestClient(server.port());
    WtTestClient.Session s = client.connect("/wt", null);
    assertThat(s.status.get(10, TimeUnit.SECONDS)).isEqualTo(200);
    s.open();
    s.send("{\"type\":\"subscribe\",\"topics\":[\"t\"],\"ref\":\"r\"}");
    assertThat(s.messages.poll(10, TimeUnit.SECONDS)).contains("\"subscribed\"");

    Random random = new Random(42);
    InetSocketAddress to = new InetSocketAddress("127.0.0.1", server.port());
    try (DatagramSocket udp = new DatagramSocket()) {
      for (int i = 0; i < 3000; i++) {
        byte[] d = datagram(random, i % 6);
        udp.send(new DatagramPacket(d, d.length, to));
      }
    }

    server.publish("t", Event.text("after the garbage"));
    String m;
    do {
      m = s.messages.poll(10, TimeUnit.SECONDS);
      assertThat(m).as("the live session still receives").isNotNull();
    } while (!m.contains("after the garbage"));
    late = new WtTestClient(server.port());
    assertThat(late.connect("/wt", null).status.get(10, TimeUnit.SECONDS)).isEqualTo(200);
  }

  private static byte[] datagram(Random r, int kind) {
    switch (kind) {
      case 0:
        return new byte[0];
      case 1: { // random bytes, any length up to a jumbo datagram
        byte[] b = new byte[r.nextInt(2000)];
        r.nextBytes(b);
        return b;
      }
      case 2: // a long header with version 1, any packet type, then random: claimed lengths lie
      case 3: { // the same with an unknown version (should draw a Version Negotiation at most)
        ByteBuffer b = ByteBuffer.allocate(1200);
        b.put((byte) (0xc0 | r.nextInt(4) << 4 | r.nextInt(16)));
        b.putInt(kind == 2 ? 1 : 0x1a2a3a4a);
        int dcid = r.nextInt(4) == 0 ? 255 : r.nextInt(21);
        b.put((byte) dcid);
        byte[] rest = new byte[b.remaining()];
        r.nextBytes(rest);
        b.put(rest);
        return b.array();
      }
      case 4: { // a short header for a connection that does not exist
        byte[] b = new byte[1 + r.nextInt(1400)];
        r.nextBytes(b);
        b[0] = (byte) (0x40 | b[0] & 0x3f);
        return b;
      }
      default: { // an Initial too short to be one (RFC 9000 §14.1: under 1200 bytes)
        byte[] b = new byte[7 + r.nextInt(100)];
        r.nextBytes(b);
        b[0] = (byte) 0xc0;
        b[1] = 0;
        b[2] = 0;
        b[3] = 0;
        b[4] = 1;
        return b;
      }
    }
  }
}
