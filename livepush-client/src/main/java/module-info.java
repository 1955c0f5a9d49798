/**
 * livepush's Java client on {@code java.net.http}: SSE and WebSocket ({@code livepush.v1}) streams with resume.
 * {@code io.livepush.client.internal} is not exported; {@code java.net.http} and Jackson are required
 * transitively because {@code HttpClient} and {@code ObjectMapper} appear in the builder.
 */
module io.livepush.client {
  requires transitive java.net.http;
  requires transitive com.fasterxml.jackson.databind;

  exports io.livepush.client;
}
