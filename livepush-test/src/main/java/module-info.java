/**
 * livepush's test kit ({@code io.livepush.test}): a JUnit 5 extension that starts a server per test, and recording
 * clients. Reads the server modules and the client transitively, since tests use their types directly.
 */
module io.livepush.test {
  requires transitive io.livepush.client;
  requires transitive io.livepush.core;
  requires transitive io.livepush.sse;
  requires transitive io.livepush.websocket;
  requires transitive org.junit.jupiter.api;

  exports io.livepush.test;
}
