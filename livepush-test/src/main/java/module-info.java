/**
 * livepush's test kit: a JUnit Jupiter extension that starts a server, and recording clients. Requires the
 * modules its API exposes (the server builder and transports, the client, JUnit's extension API) transitively.
 */
module io.livepush.test {
  requires transitive io.livepush.core;
  requires transitive io.livepush.sse;
  requires transitive io.livepush.websocket;
  requires transitive io.livepush.client;
  requires transitive org.junit.jupiter.api;

  exports io.livepush.test;
}
