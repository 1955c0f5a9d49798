package io.livepush;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiPredicate;

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
 * <h2>Threading: may block</h2>
 * The decisions run on the server's blocking executor ({@link LivePushServer.Builder#blockingExecutor}), so an
 * authorizer may ask a database; the connection's event loop serves other connections meanwhile, and a
 * WebSocket connection's later messages wait, in order, for the answer. Authorizers that decide from memory
 * implement {@link NonBlocking} (or are wrapped with {@link #nonBlocking}) and run on the event loop;
 * {@link #ALLOW_ALL} does. Asynchronous ones override the {@code Executor}-taking methods.
 */
@FunctionalInterface
public interface TopicAuthorizer {
  /** Allows every subscription; runs on the event loop. */
  TopicAuthorizer ALLOW_ALL = nonBlocking((request, topic) -> true);

  /**
   * Whether the connection opened by {@code request} may subscribe to {@code topic}; may block.
   *
   * @param request the request that opened the connection (its headers only while they are retained, see
   *     {@link LivePushServer.Builder#retainRequestHeaders})
   * @param topic the topic, never a companion topic
   * @return {@code true} to allow; {@code false} refuses (403 on SSE, {@code forbidden} on WebSocket)
   */
  boolean canSubscribe(RequestInfo request, String topic);

  /**
   * Whether {@code principal}'s connection may subscribe to {@code topic}; may block. By default it asks
   * {@link #canSubscribe(RequestInfo, String)}.
   *
   * @param principal the connection's authenticated principal ({@link Principal#ANONYMOUS} without an authenticator)
   * @param request the request that opened the connection
   * @param topic the topic, never a companion topic
   * @return {@code true} to allow; {@code false} refuses
   */
  default boolean canSubscribe(Principal principal, RequestInfo request, String topic) {
    return canSubscribe(request, topic);
  }

  /**
   * Whether {@code principal}'s connection may send client messages to {@code topic} (WebSocket
   * {@code {"type":"message","topic":...}}); may block. Default: whoever may subscribe to the topic may publish
   * to it; the application's message handler still decides what happens with the message.
   *
   * @param principal the connection's authenticated principal
   * @param request the request that opened the connection
   * @param topic the topic the client sends to, never a companion topic
   * @return {@code true} to pass the message to the application's handler; {@code false} refuses it
   */
  default boolean canPublish(Principal principal, RequestInfo request, String topic) {
    return canSubscribe(principal, request, topic);
  }

  /**
   * How livepush asks {@link #canSubscribe(Principal, RequestInfo, String)}: on the event loop, with the
   * executor where blocking is allowed (a direct one for {@link NonBlocking} authorizers). The stage may
   * complete on any thread; an exceptional one counts as a refusal.
   *
   * @param principal the connection's authenticated principal
   * @param request the request that opened the connection
   * @param topic the topic, never a companion topic
   * @param blocking where the synchronous decision may run; never an event loop unless this authorizer is
   *     {@link NonBlocking}
   * @return a stage with the decision; it must complete, since the connection's later messages wait for it
   */
  default CompletionStage<Boolean> canSubscribe(Principal principal, RequestInfo request, String topic,
      Executor blocking) {
    return CompletableFuture.supplyAsync(() -> canSubscribe(principal, request, topic), blocking);
  }

  /**
   * Like {@link #canSubscribe(Principal, RequestInfo, String, Executor)}, for {@link #canPublish}.
   *
   * @param principal the connection's authenticated principal
   * @param request the request that opened the connection
   * @param topic the topic the client sends to
   * @param blocking where the synchronous decision may run
   * @return a stage with the decision; an exceptional one counts as a refusal
   */
  default CompletionStage<Boolean> canPublish(Principal principal, RequestInfo request, String topic,
      Executor blocking) {
    return CompletableFuture.supplyAsync(() -> canPublish(principal, request, topic), blocking);
  }

  /**
   * An authorizer deciding by principal and topic only; may block.
   *
   * @param rule decides from the principal and the topic; may block, since it runs on the blocking executor
   * @return an authorizer that applies {@code rule} to subscriptions and, by default, to client publishes
   */
  static TopicAuthorizer byPrincipal(BiPredicate<Principal, String> rule) {
    Objects.requireNonNull(rule, "rule");
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

  /**
   * An authorizer that never blocks, called directly on the event loop (see {@link NonBlocking}).
   *
   * @param authorizer an authorizer that decides from memory, without I/O or locks held for long
   * @return a wrapper that delegates to {@code authorizer} and is {@link NonBlocking}
   */
  static TopicAuthorizer nonBlocking(TopicAuthorizer authorizer) {
    Objects.requireNonNull(authorizer, "authorizer");
    final class Direct implements TopicAuthorizer, NonBlocking {
      @Override
      public boolean canSubscribe(RequestInfo request, String topic) {
        return authorizer.canSubscribe(request, topic);
      }

      @Override
      public boolean canSubscribe(Principal principal, RequestInfo request, String topic) {
        return authorizer.canSubscribe(principal, request, topic);
      }

      @Override
      public boolean canPublish(Principal principal, RequestInfo request, String topic) {
        return authorizer.canPublish(principal, request, topic);
      }
    }
    return new Direct();
  }
}
