package io.livepush.kafka;

import io.livepush.LivePushException;

/**
 * A {@link KafkaBus} operation failed: Kafka unreachable (publishes fail fast while it is), a publish timed out,
 * too many publishes or history reads pending, or the bus stopped. Carries HTTP status 503 (Service Unavailable,
 * RFC 9110 §15.6.4) for applications that map it onto a response.
 *
 * <p>A publish that failed <em>after</em> it was sent is ambiguous: the event may or may not be in the log.
 * Publish again only if a duplicate is harmless for your application.
 */
public final class KafkaBusException extends LivePushException {
  private static final long serialVersionUID = 1L;

  KafkaBusException(String message, Throwable cause) {
    super(message, 503, cause);
  }
}
