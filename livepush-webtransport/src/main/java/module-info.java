/**
 * livepush's WebTransport transport (draft-ietf-webtrans-http3 over HTTP/3, RFC 9114; subprotocol livepush.v1). The
 * QUIC native library's jar ({@code io.netty.codec.quic.linux.x86_64}, or the platform's) is a module nothing
 * requires: on the module path add {@code --add-modules io.netty.codec.quic.linux.x86_64}.
 */
module io.livepush.webtransport {
  requires transitive io.livepush.core;
  requires transitive io.livepush.websocket;
  requires io.netty.codec.http3;
  requires io.netty.codec.classes.quic;
  requires org.slf4j;

  exports io.livepush.webtransport;
}
