package io.livepush;

import java.util.Map;
import java.util.Objects;

/**
 * Who a connection belongs to, as decided by the {@link Authenticator}: a name and free-form attributes (roles,
 * tenant, ...) that {@link TopicAuthorizer}s read. Immutable; attributes are copied.
 *
 * @param name a non-empty name; shown in presence member lists
 * @param attributes application data for authorizers; never sent to other clients
 */
public record Principal(String name, Map<String, Object> attributes) {
  /** The principal of every connection when no authenticator is configured. */
  public static final Principal ANONYMOUS = new Principal("anonymous", Map.of());

  /**
   * Validates the name and copies the attributes.
   *
   * @param name a non-empty name; shown in presence member lists
   * @param attributes application data for authorizers, copied; not {@code null}, may be empty
   * @throws NullPointerException if {@code name} or {@code attributes} is {@code null}, or an attribute key or
   *     value is {@code null}
   * @throws IllegalArgumentException if {@code name} is empty
   */
  public Principal {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("name: \"\" (expected: non-empty)");
    }
    attributes = Map.copyOf(Objects.requireNonNull(attributes, "attributes"));
  }

  /**
   * A principal without attributes.
   *
   * @param name a non-empty name
   * @return the principal
   * @throws NullPointerException if {@code name} is {@code null}
   * @throws IllegalArgumentException if {@code name} is empty
   */
  public static Principal of(String name) {
    return new Principal(name, Map.of());
  }

  /**
   * Whether this is {@link #ANONYMOUS}.
   *
   * @return {@code true} only for the {@link #ANONYMOUS} instance (not for another principal named anonymous)
   */
  public boolean isAnonymous() {
    return this == ANONYMOUS;
  }

  /** Only the name: attributes may be sensitive and must stay out of logs. */
  @Override
  public String toString() {
    return "Principal{" + name + '}';
  }
}
