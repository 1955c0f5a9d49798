package io.livepush.spring.example;

import io.livepush.Principal;
import io.livepush.TopicAuthorizer;
import java.time.Duration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ApplicationListener;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Spring Boot application that pushes live match scores and chat messages with livepush: {@link ScoreService}
 * and {@link ApiController} publish, Spring Security ({@link SecurityConfig}) checks HMAC-signed JWTs for the REST
 * API and, through the starter's bridge, for livepush's SSE and WebSocket connections. The application answers on
 * {@code server.port} (8080), livepush on {@code livepush.port} (8081); see {@code application.properties} and
 * docs/spring-boot.md.
 */
@SpringBootApplication
public class ExampleApplication {
  private static final Logger LOG = LoggerFactory.getLogger(ExampleApplication.class);

  /**
   * Starts the application.
   *
   * @param args Spring Boot arguments, for example {@code --livepush.port=9091}
   */
  public static void main(String[] args) {
    SpringApplication.run(ExampleApplication.class, args);
  }

  /** Who may follow what: signed-in users follow matches and rooms, and their own {@code user:<name>} topic. */
  @Bean
  TopicAuthorizer topicAuthorizer() {
    return TopicAuthorizer.byPrincipal((Principal p, String topic) -> !p.isAnonymous()
        && (topic.startsWith("match:") || topic.startsWith("room:") || topic.equals("user:" + p.name())));
  }

  /** Prints where to look and a development token, once everything listens. */
  @Bean
  ApplicationListener<ApplicationReadyEvent> banner(Tokens tokens) {
    return ready -> {
      var env = ready.getApplicationContext().getEnvironment();
      LOG.info("Open http://localhost:{}/ ; livepush streams on port {}; a token for user 'demo' (1 h): {}",
          env.getProperty("local.server.port"), env.getProperty("local.livepush.port"),
          tokens.issue("demo", Duration.ofHours(1)));
    };
  }
}
