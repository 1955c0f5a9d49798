package io.livepush.internal;

import io.livepush.AuthResult;
import io.livepush.AuthenticationException;
import io.livepush.CapacityExceededException;
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
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.FullHttpRequest;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
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
    return admit(channel, ClientAddress.of(channel), request, transport, transportIndex, topics);
  }

  /** See {@link io.livepush.spi.TransportContext#admit(Channel, java.net.InetSocketAddress, FullHttpRequest,
   * Function)}: {@code client} stands for the channel's remote address (a QUIC stream's is not a socket's). */
  public CompletionStage<AdmittedRequest> admit(Channel channel, SocketAddress client, FullHttpRequest request,
      Transport transport, int transportIndex, Function<Principal, List<String>> topics) {
    assert channel.eventLoop().inEventLoop();
    DefaultRequestInfo info = new DefaultRequestInfo(request, client);
    CompletableFuture<AdmittedRequest> result = new CompletableFuture<>();
    AuthenticationException throttled = throttled(client);
    if (throttled != null) {
      result.completeExceptionally(throttled);
      return result;
    }
    onLoop(channel, callbacks.authenticate(info), result, auth -> {
      Principal principal = principal(info, auth);
      List<String> named = topics(topics, principal);
      hub.admit(channel, client);
      Admitted admitted = new Admitted(channel, transport, transportIndex, info.withPrincipal(principal),
          principal, named);
      authorize(admitted, 0, result);
    });
    return result;
  }

  /** Authorizes the topics from {@code i} on, one after the other, then completes {@code result}. */
  private void authorize(Admitted admitted, int i, CompletableFuture<AdmittedRequest> result) {
    if (i == admitted.topics.size()) {
      result.complete(admitted);
      return;
    }
    String topic = admitted.topics.get(i);
    String base = Topics.authorizationTopic(topic); // a companion inherits its base's authorization
    CompletableFuture<Boolean> decision = (base.isEmpty() ? CompletableFuture.completedFuture(false)
        : callbacks.canSubscribe(admitted.principal, admitted.request, base)).toCompletableFuture();
    if (!decision.isDone()) {
      // A client that goes away while the authorizer decides gives its slot back now, not when (or if) the
      // authorizer returns. Seen with reading paused on epoll (EPOLLRDHUP); on NIO when the decision comes.
      ChannelFutureListener giveBack = f -> admitted.release();
      admitted.channel.closeFuture().addListener(giveBack);
      decision.whenComplete((v, e) -> admitted.channel.closeFuture().removeListener(giveBack));
    }
    CompletableFuture<AdmittedRequest> next = new CompletableFuture<>();
    next.whenComplete((a, e) -> {
      if (e != null) {
        admitted.release(); // refused, or the channel closed meanwhile: the slot goes back
        result.completeExceptionally(e);
      }
    });
    onLoop(admitted.channel, decision, next, outcome -> {
      if (!allowed(outcome, admitted.request, topic)) {
        hub.stats().refused(Stats.FORBIDDEN);
        throw new AuthenticationException(403, "not allowed to follow topic " + topic, null);
      }
      authorize(admitted, i + 1, result);
    });
  }

  /**
   * Runs {@code step} with the outcome of {@code stage} on {@code channel}'s loop: at once when the stage is
   * already complete, else once it completes, with reading paused meanwhile. A step that throws, or a channel
   * that closed meanwhile, fails {@code result}.
   */
  private static <T> void onLoop(Channel channel, CompletionStage<T> stage, CompletableFuture<?> result,
      Step<CompletableFuture<T>> step) {
    CompletableFuture<T> f = stage.toCompletableFuture();
    if (f.isDone()) {
      run(channel, f, result, step);
      return;
    }
    channel.config().setAutoRead(false); // no pipelined request may overtake this one
    f.whenComplete((v, e) -> {
      try {
        channel.eventLoop().execute(() -> {
          channel.config().setAutoRead(true);
          run(channel, f, result, step);
        });
      } catch (RejectedExecutionException stopped) {
        result.completeExceptionally(new ClosedChannelException()); // the loop is gone: the server stopped
      }
    });
  }

  private static <T> void run(Channel channel, CompletableFuture<T> f, CompletableFuture<?> result,
      Step<CompletableFuture<T>> step) {
    if (!channel.isActive()) {
      result.completeExceptionally(new ClosedChannelException());
      return;
    }
    try {
      step.run(f);
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
    }
  }

  /**
   * A stage completing on {@code channel}'s loop with {@code stage}'s outcome (as a completed future, so the
   * caller reads a failure without unwrapping twice): the same future when it is complete already and the caller
   * is on the loop.
   */
  static <T> CompletionStage<CompletableFuture<T>> onLoop(Channel channel, CompletionStage<T> stage) {
    CompletableFuture<T> f = stage.toCompletableFuture();
    if (f.isDone() && channel.eventLoop().inEventLoop()) {
      return CompletableFuture.completedFuture(f);
    }
    CompletableFuture<CompletableFuture<T>> out = new CompletableFuture<>();
    f.whenComplete((v, e) -> {
      try {
        channel.eventLoop().execute(() -> out.complete(f));
      } catch (RejectedExecutionException stopped) {
        out.completeExceptionally(new ClosedChannelException()); // the loop is gone: the server stopped
      }
    });
    return out;
  }

  @FunctionalInterface
  private interface Step<T> {
    void run(T outcome);
  }

  /**
   * Whether an authorizer's answer allows; an authorizer that failed refuses (logged), a full executor is
   * rethrown (503).
   */
  static boolean allowed(CompletableFuture<Boolean> outcome, RequestInfo request, String topic) {
    try {
      return Boolean.TRUE.equals(outcome.join());
    } catch (CompletionException | java.util.concurrent.CancellationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof CapacityExceededException) {
        throw (CapacityExceededException) cause;
      }
      LOG.warn("topic authorizer failed on {} for {}", request, LogSafe.of(topic), LogSafe.throwable(cause));
      return false;
    }
  }

  /**
   * The refusal of a request from an address that failed authentication too often (429 with
   * {@code Retry-After}, counted), or {@code null}: checked before the authenticator runs.
   */
  AuthenticationException throttled(SocketAddress client) {
    if (authFailures != null) {
      int wait = authFailures.retryAfterSeconds(client);
      if (wait > 0) { // guessing from this address: refused before the authenticator runs
        hub.stats().refused(Stats.AUTH_FAILURE_RATE);
        return AuthenticationException.throttled(wait);
      }
    }
    return null;
  }

  /** Runs the authenticator on {@code request} (the stage may complete on any thread). */
  CompletionStage<AuthResult> authenticate(RequestInfo request) {
    return callbacks.authenticate(request);
  }

  /**
   * The authenticator's principal, or the refusal as an {@link AuthenticationException} (counted against
   * {@code info}'s client address).
   */
  Principal principal(RequestInfo info, CompletableFuture<AuthResult> auth) {
    AuthResult r;
    try {
      r = auth.join();
    } catch (CompletionException | java.util.concurrent.CancellationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof CapacityExceededException) {
        throw (CapacityExceededException) cause; // the blocking executor is full: 503, not 401
      }
      LOG.warn("authenticator failed on {}", info, LogSafe.throwable(cause));
      r = null;
    }
    if ((r == null || !r.isAllowed()) && authFailures != null) {
      authFailures.failed(info.remoteAddress());
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
      if (ch != channel && (ch.parent() == null || ch.parent() != channel.parent())) {
        throw new IllegalArgumentException("channel: " + ch + " (expected: the admitted " + channel
            + " or a stream of its connection)");
      }
      used = true;
      if (ch != channel) {
        hub.moveAdmission(channel, ch); // a WebTransport session's stream: the slot follows the session
      }
      try {
        return hub.openSession(ch, transport, transportIndex, request, principal);
      } catch (RuntimeException e) {
        hub.releaseAdmission(ch);
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
