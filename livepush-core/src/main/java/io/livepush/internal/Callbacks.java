package io.livepush.internal;

import io.livepush.AuthResult;
import io.livepush.Authenticator;
import io.livepush.CapacityExceededException;
import io.livepush.LivePushConfig;
import io.livepush.NonBlocking;
import io.livepush.Principal;
import io.livepush.RequestInfo;
import io.livepush.TopicAuthorizer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Where the core calls application callbacks: {@link NonBlocking} ones directly on the caller's thread (an event
 * loop), the others on the server's blocking executor. Every call returns a stage and never throws: a thrown
 * exception, or a task the executor rejected ({@link CapacityExceededException}, 503 / 1013), fails the stage.
 */
public final class Callbacks {
  /** Runs tasks on the calling thread: for callbacks that promise not to block. */
  public static final Executor DIRECT = Runnable::run;

  private final Executor blocking;
  private final Authenticator authenticator;
  private final TopicAuthorizer authorizer;
  private final int retryAfterSeconds;

  public Callbacks(LivePushConfig config, Executor blocking) {
    this.blocking = blocking;
    this.authenticator = config.authenticator();
    this.authorizer = config.topicAuthorizer();
    this.retryAfterSeconds = (int) Math.max(1, config.retry().toSeconds());
  }

  /** The server's executor for callbacks that may block. */
  public Executor blocking() {
    return blocking;
  }

  /** Where {@code callback} runs: directly when it is {@link NonBlocking}, else on the blocking executor. */
  public Executor executorFor(Object callback) {
    return callback instanceof NonBlocking ? DIRECT : blocking;
  }

  /** Runs the authenticator. */
  public CompletionStage<AuthResult> authenticate(RequestInfo request) {
    return call(() -> authenticator.authenticate(request, executorFor(authenticator)));
  }

  /** Asks the authorizer whether {@code principal} may follow {@code topic}. */
  public CompletionStage<Boolean> canSubscribe(Principal principal, RequestInfo request, String topic) {
    return call(() -> authorizer.canSubscribe(principal, request, topic, executorFor(authorizer)));
  }

  /** Asks the authorizer whether {@code principal} may publish to {@code topic}. */
  public CompletionStage<Boolean> canPublish(Principal principal, RequestInfo request, String topic) {
    return call(() -> authorizer.canPublish(principal, request, topic, executorFor(authorizer)));
  }

  /** Calls {@code callback}, turning what it throws into a failed stage. */
  public <T> CompletionStage<T> call(java.util.function.Supplier<? extends CompletionStage<T>> callback) {
    try {
      CompletionStage<T> stage = callback.get();
      return stage != null ? stage
          : CompletableFuture.failedFuture(new NullPointerException("callback returned no stage"));
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(
          new CapacityExceededException("server busy: callback executor full", retryAfterSeconds));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
