package io.livepush.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.LivePushStats;
import io.livepush.RequestInfo;
import java.util.function.Supplier;

/** Answers {@code GET path} with the server's stats as JSON; expose it only on a trusted network. */
public final class StatsService implements HttpService {
  private final String path;
  private final ObjectMapper mapper;
  private final Supplier<LivePushStats> stats;

  public StatsService(String path, ObjectMapper mapper, Supplier<LivePushStats> stats) {
    this.path = path;
    this.mapper = mapper;
    this.stats = stats;
  }

  @Override
  public HttpReply handle(RequestInfo request, byte[] body) {
    if (!request.path().equals(path)) {
      return null;
    }
    if (!request.method().equals("GET")) {
      return HttpReply.text(405, "use GET\n").withHeader("Allow", "GET");
    }
    try {
      return HttpReply.json(200, mapper.writeValueAsString(stats.get().toMap()))
          .withHeader("Cache-Control", "no-store");
    } catch (JsonProcessingException e) {
      return HttpReply.text(500, "cannot serialise stats\n");
    }
  }
}
