package io.livepush;

/**
 * Decides whether a connection may follow a topic, and whether it may publish to one from the client side
 * (WebSocket {@code message}). A refusal is answered with HTTP 403 before an SSE stream starts, and with an
 * {@code error} message ({@code forbidden}) on WebSocket.
 *
 * <p>Implement {@link #canSubscribe(Principal, RequestInfo, String)} to decide by the authenticated
 * {@link Principal}; the older two-argument method stays the single abstract method so lambdas keep working.
 *
 * <p><b>Companion topics</b> ({@code room:1~presence}, see {@link Topics}) are never passed here: following one
 * is decided by asking about its base ({@code room:1}), and client publishes to one are refused before this is
 * asked.
 *
 * <p><b>Threading:</b> runs on the connection's event loop and must not block (decide from the request and
 * state you already hold).
 */
@FunctionalInterface
public interface TopicAuthorizer {
  /** Allows every subscription. */
  TopicAuthorizer ALLOW_ALL = (request, topic) -> true;

  /** Whether the connection opened by {@code request} may subscribe to {@code topic}. */
  boolean canSubscribe(RequestInfo request, String topic);

  /**
   * Whether {@code principal}'s connection may subscribe to {@code topic}. The core always calls this one;
   * by default it asks {@link #canSubscribe(RequestInfo, String)}.
   */
  default boolean canSubscribe(Principal principal, RequestInfo request, String topic) {
    return canSubscribe(request, topic);
  }

  /**
   * Whether {@code principal}'s connection may send client messages to {@code topic} (WebSocket
   * {@code {"type":"message","topic":...}}). Default: whoever may subscribe to the topic may publish to it;
   * the application's message handler still decides what happens with the message.
   */
  default boolean canPublish(Principal principal, RequestInfo request, String topic) {
    return canSubscribe(principal, request, topic);
  }

  /** An authorizer deciding by principal and topic only. */
  static TopicAuthorizer byPrincipal(java.util.function.BiPredicate<Principal, String> rule) {
    java.util.Objects.requireNonNull(rule, "rule");
    return new TopicAuthorizer() {
      @Override
      public boolean canSubscribe(RequestInfo request, String topic) {
        return rule.test(Principal.ANONYMOUS, topic);
      }

      @Override
      public boolean canSubscribe(Principal principal, RequestInfo request, String topic) {
        return rule.test(principal, topic);
      }
    };
  }
}
