package io.livepush.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class QuickStartTest {
  @Test
  void quickStartRunsAndAResumingClientGetsTheEvent() throws Exception {
    Map.Entry<LivePushServer, EventId> started = QuickStart.run(0);
    try (LivePushServer server = started.getKey()) {
      EventId before = EventId.of(started.getValue().epoch(), started.getValue().offset() - 1);
      HttpResponse<java.io.InputStream> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/match/42/live"))
              .header("Last-Event-ID", before.toString()).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null && !line.startsWith("event:")) {
          // retry: and id: lines come first
        }
        assertThat(line).isEqualTo("event: score-update");
        assertThat(in.readLine()).startsWith("data: {").contains("\"home\":3").contains("\"minute\":67");
      }
      assertThat(server.publish("match:42", Event.text("still running"))).isNotNull();
    }
  }

  @Test
  void readmeShowsExactlyTheCompiledQuickStart() throws Exception {
    List<String> source = Files.readAllLines(Path.of("src/main/java/io/livepush/examples/QuickStart.java"));
    int from = indexOf(source, "tag::quickstart[]") + 1;
    int to = indexOf(source, "end::quickstart[]");
    String snippet = source.subList(from, to).stream().map(l -> l.length() >= 4 ? l.substring(4) : l.strip())
        .collect(Collectors.joining("\n"));
    String readme = Files.readString(Path.of("../README.md"));
    assertThat(readme).contains(snippet);
    assertThat(to - from).isBetween(10, 15);
  }

  private static int indexOf(List<String> lines, String marker) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(marker)) {
        return i;
      }
    }
    throw new AssertionError("no " + marker);
  }
}
