package io.livepush.internal;

import io.livepush.AuthResult;
import io.livepush.Authenticator;
import io.livepush.RequestInfo;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Where and how the core calls application callbacks. */
public final class Callbacks {
  private final Authenticator authenticator;

  public Callbacks(Authenticator authenticator) {
    this.authenticator = authenticator;
  }

  /** Runs the authenticator; a thrown exception or {@code null} completes the stage exceptionally. */
  public CompletionStage<AuthResult> authenticate(RequestInfo request) {
    try {
      AuthResult r = authenticator.authenticate(request);
      return r == null ? CompletableFuture.failedFuture(new NullPointerException("authenticator returned null"))
          : CompletableFuture.completedFuture(r);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
