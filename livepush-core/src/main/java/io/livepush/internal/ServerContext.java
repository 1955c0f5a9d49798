package io.livepush.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushConfig;
import io.livepush.Presence;
import io.livepush.Principal;
import io.livepush.Topics;
import io.livepush.spi.AdmittedRequest;
import io.livepush.spi.Session;
import io.livepush.spi.Transport;
import io.livepush.spi.TransportContext;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

/** The core as one transport sees it: the admission stage, later authorization, presence and publishing. */
public final class ServerContext implements TransportContext {
  /** How the server publishes; the server's own validation and bus handling stay in one place. */
  public interface Publisher {
    EventId publish(String topic, Event event);

    CompletableFuture<EventId> publishAsync(String topic, Event event);
  }

  private final Hub hub;
  private final Admission admission;
  private final Callbacks callbacks;
  private final Transport transport;
  private final int index;
  private final Publisher publisher;

  public ServerContext(Hub hub, Admission admission, Callbacks callbacks, Transport transport, int index,
      Publisher publisher) {
    this.hub = hub;
    this.callbacks = callbacks;
    this.admission = admission;
    this.transport = transport;
    this.index = index;
    this.publisher = publisher;
  }

  @Override
  public LivePushConfig config() {
    return hub.config;
  }

  @Override
  public ObjectMapper objectMapper() {
    return hub.config.objectMapper();
  }

  @Override
  public CompletionStage<AdmittedRequest> admit(Channel channel, FullHttpRequest request,
      Function<Principal, List<String>> topics) {
    return admission.admit(channel, request, transport, index, topics);
  }

  /** A companion topic ({@code vip~presence}) is decided as its base ({@code vip}); see {@link Topics}. */
  @Override
  public CompletionStage<AdmittedRequest> admit(Channel channel, InetSocketAddress client, FullHttpRequest request,
      Function<Principal, List<String>> topics) {
    return admission.admit(channel, client, request, transport, index, topics);
  }

  @Override
  public CompletionStage<Map<String, EventId>> positionsAt(Channel channel, Collection<String> topics,
      Instant time) {
    return TimePositions.lookup(hub, channel, topics, time);
  }

  @Override
  public CompletionStage<Boolean> canSubscribe(Session session, String topic) {
    String base = Topics.authorizationTopic(topic);
    if (base.isEmpty()) {
      hub.stats().refused(Stats.FORBIDDEN);
      return CompletableFuture.completedFuture(false);
    }
    return decided(session, callbacks.canSubscribe(session.principal(), session.request(), base), topic);
  }

  /** Companion topics belong to livepush: no client publishes to them, whatever the authorizer says. */
  @Override
  public CompletionStage<Boolean> canPublish(Session session, String topic) {
    if (topic != null && Topics.isCompanion(topic)) {
      hub.stats().refused(Stats.FORBIDDEN);
      return CompletableFuture.completedFuture(false);
    }
    return decided(session, callbacks.canPublish(session.principal(), session.request(), topic), topic);
  }

  /** The authorizer's answer on the session's loop; refusals counted, failures refuse. */
  private CompletionStage<Boolean> decided(Session session, CompletionStage<Boolean> decision, String topic) {
    return Admission.onLoop(session.channel(), decision).thenApply(outcome -> {
      boolean ok = Admission.allowed(outcome, session.request(), topic);
      if (!ok) {
        hub.stats().refused(Stats.FORBIDDEN);
      }
      return ok;
    });
  }

  @Override
  public Executor blockingExecutor() {
    return callbacks.blocking();
  }

  @Override
  public Executor callbackExecutor(Object callback) {
    return callbacks.executorFor(callback);
  }

  @Override
  public <T> CompletionStage<T> callCallback(Supplier<? extends CompletionStage<T>> call) {
    return callbacks.call(call);
  }

  @Override
  public Presence presence() {
    return hub.presence();
  }

  @Override
  public EventId publish(String topic, Event event) {
    return publisher.publish(topic, event);
  }

  @Override
  public CompletableFuture<EventId> publishAsync(String topic, Event event) {
    return publisher.publishAsync(topic, event);
  }
}
