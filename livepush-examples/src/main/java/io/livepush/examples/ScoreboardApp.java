package io.livepush.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.ClientScripts;
import io.livepush.HttpReply;
import io.livepush.HttpService;
import io.livepush.LivePushServer;
import io.livepush.ServerBindException;
import io.livepush.kafka.KafkaBus;
import io.livepush.longpoll.LongPollTransport;
import io.livepush.redis.RedisBus;
import io.livepush.sse.SseTransport;
import io.livepush.websocket.WebSocketTransport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * The livepush demo: three pages served by the push server itself, plain HTML/CSS/JS with no build step.
 *
 * <ul>
 *   <li>{@code /}: the live scoreboard. Simulated matches publish {@code score-update} and {@code match-end} to
 *       {@code match:<id>}; the page follows them all on one EventSource ({@code /api/live?topic=..}, or one
 *       match at {@code /api/match/{id}/live}) through {@code /livepush/livepush-sse.js}. Presence is on for
 *       {@code match:*}: {@code /api/matches} gives each match's viewer count and the page follows
 *       {@code match:<id>~presence} on the same stream to keep its "N watching" labels current.</li>
 *   <li>{@code /ask.html}: a question POSTed to {@code /api/ask}, answered word by word on an SSE response
 *       ({@link AskHandler}).</li>
 *   <li>{@code /chat.html}: a chat room over WebSocket ({@code livepush.v1}, {@link ChatRoom}).</li>
 * </ul>
 *
 * <p>Run: {@code ./mvnw -q -pl livepush-examples -am package -DskipTests exec:java}; port 8080, or the
 * {@code PORT} environment variable, or {@code --port N} (through Maven: {@code -Dexec.args="--port 9090"}); it
 * listens on {@code 127.0.0.1} unless {@code HOST} or {@code --host} says otherwise. {@code --tls} serves https
 * with a self-signed certificate, so browsers speak HTTP/2 to it (they use HTTP/2 over TLS only).
 *
 * <p><b>As a cluster</b> (see {@code docs/cluster.md}): with {@code REDIS_URL=redis://host:6379} (or
 * {@code --redis redis://host:6379}) the node shares its log and presence through a {@code RedisBus}; run the
 * match simulator on one node only and start the others with {@code --no-simulator} (or {@code SIMULATOR=off}).
 * A node without the simulator lists the matches as they started and its pages receive the live scores through
 * Redis. With {@code KAFKA_BOOTSTRAP=host:9092} (or {@code --kafka host:9092}) the node uses a {@code KafkaBus}
 * on the topic {@code livepush-scoreboard} instead (presence is cluster-wide with either).
 */
public final class ScoreboardApp {
  private static final TypeReference<LinkedHashMap<String, Object>> MATCH_JSON = new TypeReference<>() {};

  private ScoreboardApp() {}

  /** Builds (not starts) the example server on {@code port}; shared with the example's tests. */
  public static LivePushServer.Builder server(int port) {
    return server(port, AskHandler.withDefaults());
  }

  /**
   * Builds (not starts) the example server: SSE streams of matches, the streamed answers of {@code ask}, the
   * chat room on WebSocket {@code /ws}, long-polls of any topic on {@code /api/poll}, and the livepush browser
   * scripts under {@code /livepush/}. Tests pass their own {@code ask}.
   */
  public static LivePushServer.Builder server(int port, AskHandler ask) {
    ChatRoom room = new ChatRoom();
    return LivePushServer.builder()
        .port(port)
        // A score is a snapshot: a client that falls behind only needs the newest one per match.
        .slowConsumerPolicy(io.livepush.SlowConsumerPolicy.KEEP_LATEST)
        .statsService("/stats") // counters as JSON; expose only internally in production
        // HTTP/2 on the same port (the default, spelled out): h2c for clients with prior knowledge or Upgrade,
        // h2 by ALPN when TLS is configured; a page's many EventSources then share one connection.
        .http2(true)
        // Viewer counts: every connection following a match is a member (viewers are anonymous, so each
        // connection counts once); join/leave events go to match:<id>~presence.
        .presence(t -> t.startsWith("match:"))
        .transport(SseTransport.builder()
            .route("/api/match/{id}/live", "match:{id}")
            .multiTopicPath("/api/live")
            .stream("POST", "/api/ask", ask)
            .build())
        .transport(WebSocketTransport.builder()
            .messageHandler(room)
            .build())
        // For clients behind proxies that buffer streams or block upgrades (livepush.js falls back to it).
        .transport(LongPollTransport.builder().path("/api/poll").build())
        .connectionListener(room)
        .httpService(ClientScripts.service());
  }

  /**
   * Serves the page and the match list; each match in {@code /api/matches} carries {@code viewers}, the count
   * {@code viewers} gives for its topic (normally {@code topic -> server.presence().count(topic)}).
   */
  public static HttpService pages(Supplier<List<MatchSimulator.Score>> matches, ToIntFunction<String> viewers,
      ObjectMapper mapper) {
    String html = "text/html; charset=utf-8";
    String js = "text/javascript; charset=utf-8";
    Map<String, HttpReply> files = Map.of(
        "/", resource("index.html", html),
        "/app.js", resource("app.js", js),
        "/chat.html", resource("chat.html", html),
        "/chat.js", resource("chat.js", js),
        "/ask.html", resource("ask.html", html),
        "/ask.js", resource("ask.js", js),
        "/style.css", resource("style.css", "text/css; charset=utf-8"));
    return (request, body) -> {
      if (!request.method().equals("GET")) {
        return null;
      }
      if (request.path().equals("/api/matches")) {
        try {
          List<Map<String, Object>> out = new ArrayList<>();
          for (MatchSimulator.Score m : matches.get()) {
            Map<String, Object> json = mapper.convertValue(m, MATCH_JSON);
            json.put("viewers", viewers.applyAsInt("match:" + m.id()));
            out.add(json);
          }
          return HttpReply.json(200, mapper.writeValueAsString(out))
              .withHeader("Cache-Control", "no-store");
        } catch (JsonProcessingException e) {
          throw new IllegalStateException(e);
        }
      }
      return files.get(request.path());
    };
  }

  private static HttpReply resource(String name, String contentType) {
    try (InputStream in = ScoreboardApp.class.getResourceAsStream("/scoreboard/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource /scoreboard/" + name);
      }
      return HttpReply.of(200, contentType, in.readAllBytes()).withHeader("Cache-Control", "no-cache");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code --port N}, else the {@code PORT} environment variable, else 8080; {@code 0} picks a free port. */
  static int port(String[] args) {
    String value = option(args, "--port", "PORT", "8080");
    try {
      int port = Integer.parseInt(value);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below with the accepted range
    }
    throw new IllegalArgumentException("--port / PORT: " + value + " (expected: 0..65535)");
  }

  /**
   * {@code --host H}, else the {@code HOST} environment variable, else {@code 127.0.0.1}: the demo's chat room
   * and {@code /stats} are open to anyone who reaches them, so it listens on this machine only unless told
   * otherwise ({@code --host 0.0.0.0} for every interface).
   */
  static String host(String[] args) {
    return option(args, "--host", "HOST", "127.0.0.1");
  }

  /** {@code --redis URL}, else the {@code REDIS_URL} environment variable, else {@code null} (single node). */
  static String redisUrl(String[] args) {
    return option(args, "--redis", "REDIS_URL", null);
  }

  /** {@code --kafka HOST:PORT}, else the {@code KAFKA_BOOTSTRAP} environment variable, else {@code null}. */
  static String kafkaBootstrap(String[] args) {
    return option(args, "--kafka", "KAFKA_BOOTSTRAP", null);
  }

  /** The value after {@code flag} in {@code args}, else the environment variable {@code env}, else {@code dflt}. */
  private static String option(String[] args, String flag, String env, String dflt) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(flag)) {
        return args[i + 1].trim();
      }
    }
    String value = System.getenv(env);
    return value != null && !value.isBlank() ? value.trim() : dflt;
  }

  /**
   * Whether to serve https with a fresh self-signed certificate for {@code localhost} ({@code --tls}, or the
   * {@code TLS} environment variable set to {@code self-signed}): browsers then get HTTP/2 by ALPN, so a page's
   * streams share one connection; the browser warns about the certificate once. Development only.
   */
  static boolean tls(String[] args) {
    return java.util.Arrays.asList(args).contains("--tls") || "self-signed".equals(System.getenv("TLS"));
  }

  /** Whether this node runs the match simulator: not with {@code --no-simulator} or {@code SIMULATOR=off}. */
  static boolean simulator(String[] args) {
    return !java.util.Arrays.asList(args).contains("--no-simulator") && !"off".equals(System.getenv("SIMULATOR"));
  }

  /**
   * Starts the example and blocks until the JVM shuts down. A port that cannot be bound, or a bad option, ends the
   * JVM with status 2 and one line on standard error naming the option to change, rather than a stack trace.
   */
  public static void main(String[] args) {
    try {
      run(args);
    } catch (IllegalArgumentException e) {
      exit(e.getMessage());
    } catch (CompletionException e) {
      if (!(e.getCause() instanceof ServerBindException bind)) {
        throw e;
      }
      exit("cannot listen on " + bind.host() + ":" + bind.port() + " (" + bind.reason() + "); choose another port"
          + " with PORT=N or --port N (through Maven: -Dexec.args=\"--port N\"), or another address with HOST or"
          + " --host");
    }
  }

  private static void exit(String message) {
    System.err.println("livepush scoreboard: " + message);
    System.exit(2);
  }

  private static void run(String[] args) {
    ObjectMapper mapper = new ObjectMapper();
    // The simulator needs the server to publish and the page service needs the simulator and the server's
    // presence: holders break the cycle before start.
    MatchSimulator[] sim = new MatchSimulator[1];
    LivePushServer[] self = new LivePushServer[1];
    String host = host(args);
    LivePushServer.Builder builder = server(port(args))
        .host(host)
        .objectMapper(mapper)
        .httpService(pages(() -> sim[0].matches(), topic -> self[0].presence().count(topic), mapper));
    String redis = redisUrl(args);
    String kafka = kafkaBootstrap(args);
    if (redis != null && kafka != null) {
      throw new IllegalArgumentException("--redis and --kafka: choose one bus");
    }
    if (redis != null) {
      builder.bus(RedisBus.builder().uri(redis).build()); // publishes, history and presence shared via Redis
    } else if (kafka != null) {
      // Publishes and durable history through one Kafka partition; ids survive restarts of every node.
      builder.bus(KafkaBus.builder().bootstrapServers(kafka).topic("livepush-scoreboard").build());
    }
    boolean tls = tls(args);
    if (tls) {
      builder.tlsSelfSigned(); // ALPN offers h2, then http/1.1
    }
    LivePushServer server = builder.build();
    self[0] = server;
    sim[0] = new MatchSimulator(server, System.nanoTime());
    server.start().join();
    if (simulator(args)) {
      sim[0].start(1000); // its own thread: publish may wait for the bus there
    }
    server.closeOnJvmShutdown();
    String shown = host.equals("0.0.0.0") || host.equals("127.0.0.1") ? "localhost" : host;
    System.out.println("livepush scoreboard: open " + (tls ? "https" : "http") + "://" + shown + ":" + server.port()
        + "/" + (host.equals("127.0.0.1") ? " (this machine only; --host 0.0.0.0 for every interface)" : "")
        + (tls ? " (HTTP/2 over TLS; self-signed certificate for localhost: the browser warns once)" : "")
        + (redis != null ? " (cluster node, Redis " + redis.replaceAll("//[^@/]*@", "//***@") + ")" : "")
        + (kafka != null ? " (cluster node, Kafka " + kafka + ", topic livepush-scoreboard)" : ""));
    server.blockUntilShutdown();
  }
}
