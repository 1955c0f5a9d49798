package io.livepush.internal;

import io.livepush.AuthResult;
import io.livepush.AuthenticationException;
import io.livepush.LivePushConfig;
import io.livepush.LivePushException;
import io.livepush.Principal;
import io.livepush.RequestInfo;
import io.livepush.Topics;
import io.livepush.spi.AdmittedRequest;
import io.livepush.spi.LogSafe;
import io.livepush.spi.Session;
import io.livepush.spi.Transport;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admission stage every streaming request passes once, whatever its transport: authenticate → admit (rate,
 * total and per-address limits) → authorize the request's topics → {@link AdmittedRequest}, which alone opens a
 * session. Runs on the channel's event loop; a step that completes elsewhere (an asynchronous authenticator)
 * comes back to the loop before the next step. The channel does not read while a step is pending.
 */
public final class Admission {
  private static final Logger LOG = LoggerFactory.getLogger(Admission.class);

  private final Hub hub;
  private final LivePushConfig config;
  private final Callbacks callbacks;
  /** Failed authentications per address; {@code null} when not limited. */
  private final AuthFailureThrottle authFailures;

  public Admission(Hub hub, Callbacks callbacks) {
    this.hub = hub;
    this.config = hub.config;
    this.callbacks = callbacks;
    this.authFailures = config.authFailureRate() > 0
        ? new AuthFailureThrottle(config.authFailureRate(), config.authFailureBurst(), System::nanoTime) : null;
  }

  /** See {@link io.livepush.spi.TransportContext#admit}. */
  public CompletionStage<AdmittedRequest> admit(Channel channel, FullHttpRequest request, Transport transport,
      int transportIndex, Function<Principal, List<String>> topics) {
    assert channel.eventLoop().inEventLoop();
    RequestInfo info = new DefaultRequestInfo(request, channel.remoteAddress());
    CompletableFuture<AdmittedRequest> result = new CompletableFuture<>();
    if (authFailures != null) {
      int wait = authFailures.retryAfterSeconds(channel.remoteAddress());
      if (wait > 0) { // guessing from this address: refused before the authenticator runs
        hub.stats().refused(Stats.AUTH_FAILURE_RATE);
        result.completeExceptionally(AuthenticationException.throttled(wait));
        return result;
      }
    }
    CompletionStage<AuthResult> auth = callbacks.authenticate(info);
    CompletableFuture<AuthResult> done = auth.toCompletableFuture();
    if (done.isDone()) {
      afterAuthentication(channel, info, transport, transportIndex, topics, done, result);
      return result;
    }
    // Pause reading: no pipelined request may overtake this one while the authenticator works.
    channel.config().setAutoRead(false);
    auth.whenComplete((r, e) -> channel.eventLoop().execute(() -> {
      channel.config().setAutoRead(true);
      afterAuthentication(channel, info, transport, transportIndex, topics, done, result);
    }));
    return result;
  }

  private void afterAuthentication(Channel channel, RequestInfo info, Transport transport, int transportIndex,
      Function<Principal, List<String>> topicsOf, CompletableFuture<AuthResult> auth,
      CompletableFuture<AdmittedRequest> result) {
    if (!channel.isActive()) {
      result.completeExceptionally(new ClosedChannelException());
      return;
    }
    Principal principal;
    List<String> topics;
    try {
      principal = principal(channel, info, auth);
      topics = topics(topicsOf, principal);
      hub.admit(channel);
    } catch (LivePushException e) {
      result.completeExceptionally(e);
      return;
    }
    for (String t : topics) {
      boolean ok;
      try {
        String decided = Topics.authorizationTopic(t); // a companion inherits its base's authorization
        ok = !decided.isEmpty() && config.topicAuthorizer().canSubscribe(principal, info, decided);
      } catch (RuntimeException e) {
        LOG.warn("topic authorizer failed on {} for {}", info, t, LogSafe.throwable(e));
        ok = false;
      }
      if (!ok) {
        hub.releaseAdmission(channel);
        hub.stats().refused(Stats.FORBIDDEN);
        result.completeExceptionally(new AuthenticationException(403, "not allowed to follow topic " + t, null));
        return;
      }
    }
    result.complete(new Admitted(channel, transport, transportIndex, info, principal, List.copyOf(topics)));
  }

  /** The authenticator's principal, or the refusal as an {@link AuthenticationException}. */
  private Principal principal(Channel channel, RequestInfo info, CompletableFuture<AuthResult> auth) {
    AuthResult r;
    try {
      r = auth.join();
    } catch (CompletionException | java.util.concurrent.CancellationException e) {
      LOG.warn("authenticator failed on {}", info, LogSafe.throwable(e.getCause() != null ? e.getCause() : e));
      r = null;
    }
    if ((r == null || !r.isAllowed()) && authFailures != null) {
      authFailures.failed(channel.remoteAddress());
    }
    if (r == null) {
      hub.stats().refused(Stats.UNAUTHORIZED);
      throw new AuthenticationException(401, "authentication failed", null);
    }
    if (!r.isAllowed()) {
      hub.stats().refused(r.status() == 401 ? Stats.UNAUTHORIZED : Stats.FORBIDDEN);
      throw new AuthenticationException(r.status(), r.reason(), r.challenge());
    }
    return r.principal();
  }

  private List<String> topics(Function<Principal, List<String>> topicsOf, Principal principal) {
    if (topicsOf == null) {
      return List.of();
    }
    List<String> named = topicsOf.apply(principal);
    if (named == null || named.isEmpty()) {
      throw new LivePushException("the request names no topic", 400);
    }
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (String t : named) {
      out.add(Topics.validate(t));
    }
    if (out.size() > config.maxTopicsPerConnection()) {
      throw new LivePushException("at most " + config.maxTopicsPerConnection() + " topics per stream", 400);
    }
    return new ArrayList<>(out);
  }

  /** One admitted request; its slot goes to the session or back to the hub, once. Event loop only. */
  private final class Admitted implements AdmittedRequest {
    private final Channel channel;
    private final Transport transport;
    private final int transportIndex;
    private final RequestInfo request;
    private final Principal principal;
    private final List<String> topics;
    private boolean used;

    Admitted(Channel channel, Transport transport, int transportIndex, RequestInfo request, Principal principal,
        List<String> topics) {
      this.channel = channel;
      this.transport = transport;
      this.transportIndex = transportIndex;
      this.request = request;
      this.principal = principal;
      this.topics = topics;
    }

    @Override
    public RequestInfo request() {
      return request;
    }

    @Override
    public Principal principal() {
      return principal;
    }

    @Override
    public List<String> topics() {
      return topics;
    }

    @Override
    public Session openSession(Channel ch) {
      if (used) {
        throw new IllegalStateException("admission already used");
      }
      if (ch != channel) {
        throw new IllegalArgumentException("channel: " + ch + " (expected: the admitted " + channel + ")");
      }
      used = true;
      try {
        return hub.openSession(channel, transport, transportIndex, request, principal);
      } catch (RuntimeException e) {
        hub.releaseAdmission(channel);
        throw e;
      }
    }

    @Override
    public void release() {
      if (!used) {
        used = true;
        hub.releaseAdmission(channel);
      }
    }

    @Override
    public String toString() {
      return "AdmittedRequest{" + request + ", " + principal + '}';
    }
  }
}
