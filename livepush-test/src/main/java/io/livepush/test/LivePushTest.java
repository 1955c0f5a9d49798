package io.livepush.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs each test of the class with a fresh livepush server on a free loopback port, serving SSE at
 * {@link #ssePath()} ({@code multiTopicPath}: {@code ?topic=a&topic=b}) and WebSocket at {@link #webSocketPath()};
 * test methods take a {@link TestLivePush} parameter. For settings beyond these, register a
 * {@link LivePushExtension} built with {@link LivePushExtension#builder()} instead.
 *
 * <pre>{@code
 * @LivePushTest(replayEventsPerTopic = 3)
 * class ScoreFeedTest {
 *   @Test
 *   void followersSeeEveryScore(TestLivePush livepush) { ... }
 * }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(LivePushExtension.class)
public @interface LivePushTest {
  /** {@return the SSE path taking topics in the query; default {@value LivePushExtension#DEFAULT_SSE_PATH}} */
  String ssePath() default LivePushExtension.DEFAULT_SSE_PATH;

  /** {@return the WebSocket path; default {@value LivePushExtension#DEFAULT_WEBSOCKET_PATH}} */
  String webSocketPath() default LivePushExtension.DEFAULT_WEBSOCKET_PATH;

  /** {@return events the replay log keeps per topic ({@code ReplayConfig.maxEventsPerTopic}); default 1000} */
  int replayEventsPerTopic() default 1000;

  /** {@return the server's heartbeat interval in milliseconds; default 15 000} */
  long heartbeatMillis() default 15_000;
}
