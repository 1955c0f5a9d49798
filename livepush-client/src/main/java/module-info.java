/**
 * livepush's Java client ({@code io.livepush.client}): follows topics over SSE or WebSocket on {@code java.net.http}.
 * {@code requires transitive} names the modules whose types appear in the API ({@code java.net.http.HttpClient},
 * Jackson's {@code ObjectMapper}); the implementation package {@code io.livepush.client.internal} is not exported.
 */
module io.livepush.client {
  requires transitive java.net.http;
  requires transitive com.fasterxml.jackson.databind;

  exports io.livepush.client;
}
