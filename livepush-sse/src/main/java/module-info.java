/** livepush's server-sent events transport ({@code text/event-stream}, WHATWG HTML §9.2). */
module io.livepush.sse {
  requires transitive io.livepush.core;
  requires org.slf4j;

  exports io.livepush.sse;
}
