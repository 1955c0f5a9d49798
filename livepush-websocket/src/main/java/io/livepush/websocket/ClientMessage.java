package io.livepush.websocket;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.spi.LogSafe;
import java.util.Objects;

/**
 * An application message from a client: {@code {"type":"message","topic":..,"data":..,"ref":..}}. Immutable.
 */
public final class ClientMessage {
  private final String topic;
  private final JsonNode data;
  private final String ref;
  private final ObjectMapper mapper;

  ClientMessage(String topic, JsonNode data, String ref, ObjectMapper mapper) {
    this.topic = topic;
    this.data = Objects.requireNonNull(data, "data");
    this.ref = ref;
    this.mapper = mapper;
  }

  /** The {@code topic} the client named, or {@code null}. Not validated as a topic name. */
  public String topic() {
    return topic;
  }

  /** The {@code data} value; a {@code NullNode} when absent. Do not modify it. */
  public JsonNode data() {
    return data;
  }

  /** {@code data} converted with the server's mapper. */
  public <T> T dataAs(Class<T> type) {
    return mapper.convertValue(data, type);
  }

  /** The client's correlation id, or {@code null}; pass it to {@link WebSocketConnection#reply}/{@code ack}. */
  public String ref() {
    return ref;
  }

  /** For logs: every field came from the client, so the whole is neutralised and bounded ({@link LogSafe}). */
  @Override
  public String toString() {
    return LogSafe.of("ClientMessage{topic=" + topic + ", ref=" + ref + ", data=" + data + '}');
  }
}
