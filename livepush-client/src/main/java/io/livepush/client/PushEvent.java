package io.livepush.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * One event as received. The same published event looks the same on both transports: {@link #data()} is the
 * SSE {@code data} (lines joined with LF), or on WebSocket the {@code data} member as JSON text, or its content
 * when it is a JSON string (a text payload); binary payloads are base64 (RFC 4648 §4) on both, and WebSocket
 * also gives the bytes ({@link #binary()}). Immutable; {@link #as(Class)} reads the payload through the
 * client's {@link ObjectMapper} ({@link LivePushClient.Builder#objectMapper}).
 */
public final class PushEvent implements StreamItem {
  private final String topic;
  private final String id;
  private final String type;
  private final String data;
  private final JsonNode json;
  private final byte[] binary;
  private final ObjectMapper mapper;

  private PushEvent(String topic, String id, String type, String data, JsonNode json, byte[] binary,
      ObjectMapper mapper) {
    this.topic = topic;
    this.id = id;
    this.type = type;
    this.data = Objects.requireNonNull(data, "data");
    this.json = json;
    this.binary = binary;
    this.mapper = Objects.requireNonNull(mapper, "mapper");
  }

  /**
   * A text event (what an SSE stream or a WebSocket text payload carries).
   *
   * @param topic the topic or {@code null} (SSE)
   * @param id the event id or {@code null} (an SSE event without id)
   * @param type the event type or {@code null} when none was sent (SSE's default type {@code message})
   * @param data the payload text, not {@code null}
   * @param mapper reads the payload in {@link #as(Class)}
   * @return the event
   */
  public static PushEvent text(String topic, String id, String type, String data, ObjectMapper mapper) {
    return new PushEvent(topic, id, type, data, null, null, mapper);
  }

  /**
   * {@return a WebSocket event whose {@code data} member is {@code json}: {@link #data()} is its text form}
   *
   * @param topic the topic or {@code null}
   * @param id the event id or {@code null}
   * @param type the event type or {@code null}
   * @param json the {@code data} member
   * @param mapper the mapper
   */
  public static PushEvent json(String topic, String id, String type, JsonNode json, ObjectMapper mapper) {
    Objects.requireNonNull(json, "json");
    return new PushEvent(topic, id, type, json.isTextual() ? json.textValue() : json.toString(), json, null, mapper);
  }

  /**
   * {@return a binary event (a WebSocket binary frame): {@link #data()} is {@code bytes} in base64. Copies {@code bytes}}
   *
   * @param topic the topic or {@code null}
   * @param id the event id or {@code null}
   * @param type the event type or {@code null}
   * @param bytes the bound in bytes
   * @param mapper the mapper
   */
  public static PushEvent binary(String topic, String id, String type, byte[] bytes, ObjectMapper mapper) {
    byte[] copy = bytes.clone();
    return new PushEvent(topic, id, type, Base64.getEncoder().encodeToString(copy), null, copy, mapper);
  }

  @Override
  public String topic() {
    return topic;
  }

  /** {@return the event id, or {@code null} when the event had none (SSE events of a server that sends no ids)} */
  public String id() {
    return id;
  }

  /** {@return the event type, or {@code null} when none was sent} */
  public String type() {
    return type;
  }

  /**
   * {@return the payload as text; never {@code null} (an SSE {@code data:} line with nothing after it gives {@code ""})}
   */
  public String data() {
    return data;
  }

  /** {@return whether the payload arrived as bytes (a WebSocket binary frame)} */
  public boolean isBinary() {
    return binary != null;
  }

  /** {@return a copy of the payload bytes of a binary event, or {@code null} for a text event} */
  public byte[] binary() {
    return binary == null ? null : binary.clone();
  }

  /**
   * Reads the payload as JSON into {@code type} with the client's mapper. Runs on the caller's thread.
   *
   * @throws PayloadMappingException when the payload is not JSON or does not fit {@code type}
   * @param <T> the type read
   * @param type what to read the payload as
   * @return the payload as {@code T}
   */
  public <T> T as(Class<T> type) {
    Objects.requireNonNull(type, "type");
    try {
      return json != null ? mapper.treeToValue(json, type) : mapper.readValue(data, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new PayloadMappingException("event " + id + " is not a " + type.getName() + ": " + e.getMessage(), e);
    }
  }

  /**
   * {@return like {@link #as(Class)}, for generic types ({@code new TypeReference<List<Score>>() {}})}
   *
   * @param <T> the type read
   * @param type what to read the payload as
   */
  public <T> T as(TypeReference<T> type) {
    Objects.requireNonNull(type, "type");
    try {
      return json != null ? mapper.treeToValue(json, mapper.constructType(type)) : mapper.readValue(data, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new PayloadMappingException("event " + id + " is not a " + type.getType() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PushEvent e && Objects.equals(topic, e.topic) && Objects.equals(id, e.id)
        && Objects.equals(type, e.type) && data.equals(e.data) && Arrays.equals(binary, e.binary);
  }

  @Override
  public int hashCode() {
    return Objects.hash(topic, id, type, data);
  }

  @Override
  public String toString() {
    String shown = data.length() <= 80 ? data : data.substring(0, 80) + "...(" + data.length() + " chars)";
    return "PushEvent{topic=" + topic + ", id=" + id + ", type=" + type + ", data=" + shown + '}';
  }
}
