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

  /**
   * The {@code topic} the client named. Not validated as a topic name.
   *
   * @return the client's string, or {@code null} when absent
   */
  public String topic() {
    return topic;
  }

  /**
   * The {@code data} value. Do not modify it.
   *
   * @return the JSON node, a {@code NullNode} when absent; never {@code null}
   */
  public JsonNode data() {
    return data;
  }

  /**
   * {@code data} converted with the server's mapper.
   *
   * @param <T> the target type
   * @param type the class to convert to
   * @return the converted value; {@code null} when {@code data} is JSON {@code null} or absent
   * @throws IllegalArgumentException if Jackson cannot convert {@code data} to {@code type}
   */
  public <T> T dataAs(Class<T> type) {
    return mapper.convertValue(data, type);
  }

  /**
   * The client's correlation id; pass it to {@link WebSocketConnection#reply}/{@code ack}.
   *
   * @return the id as the client sent it, or {@code null} when absent
   */
  public String ref() {
    return ref;
  }

  /** For logs: every field came from the client, so the whole is neutralised and bounded ({@link LogSafe}). */
  @Override
  public String toString() {
    return LogSafe.of("ClientMessage{topic=" + topic + ", ref=" + ref + ", data=" + data + '}');
  }
}
