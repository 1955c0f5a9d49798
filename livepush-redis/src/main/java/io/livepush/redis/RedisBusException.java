package io.livepush.redis;

import io.livepush.LivePushException;

/**
 * Redis could not take a publish or answer a read: unreachable, timed out, or it answered with an error. Carries
 * HTTP status 503 (Service Unavailable, RFC 9110 §15.6.4) for applications that map it onto a response.
 *
 * <p>A publish that failed <em>after</em> its command was sent is ambiguous: the event may or may not be in the
 * log. Publish again only if a duplicate is harmless for your application.
 */
public final class RedisBusException extends LivePushException {
  private static final long serialVersionUID = 1L;

  RedisBusException(String message, Throwable cause) {
    super(message, 503, cause);
  }
}
