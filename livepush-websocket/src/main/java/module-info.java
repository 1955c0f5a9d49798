/** livepush's WebSocket transport (RFC 6455, subprotocol {@code livepush.v1}, permessage-deflate per RFC 7692). */
module io.livepush.websocket {
  requires transitive io.livepush.core;
  // permessage-deflate: netty-codec-http only "requires static" the compression module, so name it here.
  requires io.netty.codec.compression;
  requires org.slf4j;

  exports io.livepush.websocket;
}
