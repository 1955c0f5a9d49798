package io.livepush.webtransport;

import io.livepush.LivePushServer;
import io.livepush.fixtures.LiveServer;
import io.livepush.testing.WebTransportCertificate;

/**
 * The start-up the WebTransport tests share: the transport on {@code /wt} with one self-signed certificate (made
 * once per test JVM: keytool is a process per call), and a {@link WtTestClient} on the server's port that the
 * {@link LiveServer} fixture closes after the test. Each test keeps only the server settings that differ.
 */
final class WtServers {
  private static WebTransportCertificate cert;

  private WtServers() {
  }

  /** The certificate every WebTransport test server presents, generated on first use. */
  static synchronized WebTransportCertificate certificate() throws Exception {
    if (cert == null) {
      cert = WebTransportCertificate.generate();
    }
    return cert;
  }

  /** {@code t} on {@code /wt} with the shared certificate, built. */
  static WebTransportTransport transport(WebTransportTransport.Builder t) throws Exception {
    WebTransportCertificate c = certificate();
    return t.path("/wt").certificate(c.key(), c.certificate()).build();
  }

  /** The default WebTransport transport on {@code /wt} with the shared certificate. */
  static WebTransportTransport transport() throws Exception {
    return transport(WebTransportTransport.builder());
  }

  /** A client of {@code server}, closed by {@code live} after the test. */
  static WtTestClient client(LiveServer live, LivePushServer server) throws Exception {
    return live.closeAfter(new WtTestClient(server.port()));
  }
}
