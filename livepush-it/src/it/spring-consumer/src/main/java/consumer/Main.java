package consumer;

import consumer.check.OneNetty;
import io.livepush.Event;
import io.livepush.LivePushServer;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** livepush-spring-boot-starter from the published jars: the auto-configured server runs with the context. */
@EnableAutoConfiguration
public class Main {
  public static void main(String[] args) {
    OneNetty.require(args[0]);
    LivePushServer server;
    try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(Main.class)
        .web(WebApplicationType.NONE)
        .run("--livepush.port=0", "--livepush.host=127.0.0.1", "--livepush.sse.multi-topic-path=/live",
            "--livepush.shutdown.drain=0s")) {
      server = ctx.getBean(LivePushServer.class);
      int port = ctx.getEnvironment().getRequiredProperty("local.livepush.port", Integer.class);
      if (port != server.port() || port <= 0) {
        throw new AssertionError("local.livepush.port " + port + ", server " + server.port());
      }
      server.publish("t", Event.text("x"));
      System.out.println("spring consumer: livepush on port " + port);
    }
    if (!server.whenClosed().toCompletableFuture().isDone()) {
      throw new AssertionError("server still running after the context closed");
    }
  }
}
