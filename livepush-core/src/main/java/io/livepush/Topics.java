package io.livepush;

/**
 * Topic names: 1 to {@value #MAX_LENGTH} characters from {@code A-Z a-z 0-9} and {@code - _ . : @ / + = ~}.
 *
 * <p>The set keeps names safe in URLs, log lines, Redis keys and JSON without escaping, and leaves {@code ,},
 * {@code *}, whitespace and {@code {}} free for routing and future wildcard syntax.
 */
public final class Topics {
  /** The longest topic name. */
  public static final int MAX_LENGTH = 200;

  private Topics() {}

  /**
   * Returns {@code topic} if it is a valid name.
   *
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

  /** Whether {@code topic} is a valid name. */
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
