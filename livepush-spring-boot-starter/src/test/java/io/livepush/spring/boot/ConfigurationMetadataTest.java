package io.livepush.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The configuration metadata spring-boot-configuration-processor generated (what IDEs complete), and the
 * properties table of docs/spring-boot.md, which must be the one rendered from it.
 */
class ConfigurationMetadataTest {
  private static final Path DOC = Path.of("..", "docs", "spring-boot.md");

  @Test
  void theGeneratedMetadataListsEveryPropertyWithTypeDefaultAndDescription() throws Exception {
    Map<String, JsonNode> props = properties();
    assertThat(props).containsKeys("livepush.enabled", "livepush.port", "livepush.host",
        "livepush.sse.routes", "livepush.sse.multi-topic-path", "livepush.websocket.paths",
        "livepush.limits.max-connections", "livepush.limits.max-pending-outbound", "livepush.limits.max-event-size",
        "livepush.limits.max-message-size".replace("limits", "websocket"), "livepush.heartbeat.interval",
        "livepush.replay.max-events-per-topic", "livepush.replay.max-total-size", "livepush.tls.certificate",
        "livepush.tls.private-key", "livepush.allowed-origins", "livepush.redis.uri", "livepush.redis.key-prefix",
        "livepush.security.query-parameter", "livepush.shutdown.drain");
    assertThat(props.get("livepush.port").get("type").asText()).isEqualTo("java.lang.Integer");
    assertThat(props.get("livepush.port").get("defaultValue").asInt()).isEqualTo(8081);
    assertThat(props.get("livepush.heartbeat.interval").get("type").asText()).isEqualTo("java.time.Duration");
    assertThat(props.get("livepush.heartbeat.interval").get("defaultValue").asText()).isEqualTo("15s");
    assertThat(props.get("livepush.limits.max-pending-outbound").get("defaultValue").asText()).isEqualTo("256KB");
    props.forEach((name, p) -> assertThat(p.path("description").asText()).as(name).isNotBlank());
  }

  @Test
  void theDocsTableIsTheGeneratedOne() throws Exception {
    String table = table(properties());
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    if (!doc.contains(table)) {
      Path out = Path.of("target", "spring-boot-properties.md");
      Files.writeString(out, table, StandardCharsets.UTF_8);
      throw new AssertionError(DOC + " does not contain the properties table rendered from the metadata; "
          + "the current one is in " + out.toAbsolutePath());
    }
  }

  private static Map<String, JsonNode> properties() throws Exception {
    try (InputStream in = ConfigurationMetadataTest.class.getResourceAsStream(
        "/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("generated metadata").isNotNull();
      Map<String, JsonNode> out = new LinkedHashMap<>();
      for (JsonNode p : new ObjectMapper().readTree(in).get("properties")) {
        out.put(p.get("name").asText(), p);
      }
      return out;
    }
  }

  /** The Markdown table: property, type, default, description (the record's {@code @param} text). */
  static String table(Map<String, JsonNode> props) {
    StringBuilder sb = new StringBuilder("| property | type | default | what |\n|---|---|---|---|\n");
    props.values().forEach(p -> sb.append("| `").append(p.get("name").asText()).append("` | ")
        .append(type(p.get("type").asText())).append(" | ")
        .append(defaultValue(p)).append(" | ")
        .append(p.path("description").asText().replace("|", "\\|").replaceAll("\\s+", " ")).append(" |\n"));
    return sb.toString();
  }

  private static String defaultValue(JsonNode p) {
    JsonNode d = p.get("defaultValue");
    if (d == null || (d.isArray() && d.isEmpty())) {
      return "—";
    }
    return "`" + (d.isArray() ? d.toString() : d.asText()) + "`";
  }

  private static String type(String t) {
    return t.replaceAll("[a-z]+\\.", "").replace("LivePushProperties$", "").replace("<", "&lt;")
        .replace(">", "&gt;");
  }
}
