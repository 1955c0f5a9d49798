package io.livepush;

/**
 * Topic names: 1 to {@value #MAX_LENGTH} characters from {@code A-Z a-z 0-9} and {@code - _ . : @ / + = ~}.
 *
 * <p>The set keeps names safe in URLs, log lines, Redis keys and JSON without escaping, and leaves {@code ,},
 * {@code *}, whitespace and {@code {}} free for routing and future wildcard syntax.
 *
 * <h2>Companion topics belong to the server</h2>
 * A name ending in {@code ~} followed by a reserved name ({@link #RESERVED_SUFFIXES}: today {@code presence})
 * is the <em>companion</em> of the topic before that suffix, its <em>base</em>: {@code room:1~presence}
 * carries the presence events of {@code room:1}. Companions inherit the authorization of their base (following
 * {@code vip~presence} is decided by asking the {@link TopicAuthorizer} about {@code vip}; a companion with an
 * empty base is refused), and only livepush publishes to them: {@code LivePushServer.publish} and
 * {@code publishAsync} throw {@link InvalidTopicException}, client publishes are refused as forbidden.
 * Applications should not end their own topic names with {@code ~} and a lower-case word: later livepush
 * versions may reserve more suffixes.
 */
public final class Topics {
  /** The longest topic name. */
  public static final int MAX_LENGTH = 200;

  /** The suffixes, after {@code ~}, that make a topic a server-owned companion; see the class javadoc. */
  public static final java.util.Set<String> RESERVED_SUFFIXES = java.util.Set.of("presence");

  private Topics() {}

  /**
   * Whether {@code topic} is a companion topic (ends with {@code ~} and a reserved suffix). Does not validate.
   *
   * @param topic a topic name; not {@code null}
   * @return {@code true} for a companion topic
   * @throws NullPointerException if {@code topic} is {@code null}
   */
  public static boolean isCompanion(String topic) {
    int tilde = topic.lastIndexOf('~');
    return tilde >= 0 && RESERVED_SUFFIXES.contains(topic.substring(tilde + 1));
  }

  /**
   * The topic whose authorization decides {@code topic}: the base of a companion (possibly empty), else
   * {@code topic} itself. Does not validate.
   *
   * @param topic a topic name; not {@code null}
   * @return the base of a companion (may be empty), else {@code topic}
   * @throws NullPointerException if {@code topic} is {@code null}
   */
  public static String authorizationTopic(String topic) {
    return isCompanion(topic) ? topic.substring(0, topic.lastIndexOf('~')) : topic;
  }

  /**
   * Returns {@code topic} if an application may publish to it: a valid name that is not a companion.
   *
   * @param topic the candidate name, may be {@code null} (rejected)
   * @return {@code topic} itself
   * @throws InvalidTopicException if the name is invalid or reserved for livepush
   */
  public static String validateForPublish(String topic) {
    validate(topic);
    if (isCompanion(topic)) {
      throw new InvalidTopicException("topic " + topic + " is a companion topic: only livepush publishes to it");
    }
    return topic;
  }

  /**
   * Returns {@code topic} if it is a valid name.
   *
   * @param topic the candidate name, may be {@code null} (rejected)
   * @return {@code topic} itself
   * @throws InvalidTopicException naming the first rule broken
   */
  public static String validate(String topic) {
    if (topic == null || topic.isEmpty()) {
      throw new InvalidTopicException("topic name is empty");
    }
    if (topic.length() > MAX_LENGTH) {
      throw new InvalidTopicException("topic name is " + topic.length() + " characters (expected: <= "
          + MAX_LENGTH + ")");
    }
    for (int i = 0; i < topic.length(); i++) {
      if (!isAllowed(topic.charAt(i))) {
        throw new InvalidTopicException("topic name has a character outside [A-Za-z0-9-_.:@/+=~] at index "
            + i);
      }
    }
    return topic;
  }

  /**
   * Whether {@code topic} is a valid name; never throws.
   *
   * @param topic the candidate name, may be {@code null}
   * @return {@code true} if {@link #validate(String)} would accept it
   */
  public static boolean isValid(String topic) {
    if (topic == null || topic.isEmpty() || topic.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < topic.length(); i++) {
      if (!isAllowed(topic.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAllowed(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '-' || c == '_' || c == '.' || c == ':' || c == '@' || c == '/' || c == '+' || c == '='
        || c == '~';
  }
}
