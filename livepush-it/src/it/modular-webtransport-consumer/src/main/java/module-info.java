/**
 * The webtransport consumer's app as a named module: requiring io.livepush.webtransport brings livepush's API; the
 * app's own QUIC client names the Netty modules it uses. The QUIC native library must load from the module path.
 */
module consumer {
  requires io.livepush.webtransport;
  requires io.netty.codec.http3;
  requires io.netty.codec.classes.quic;
  requires io.netty.handler;
}
