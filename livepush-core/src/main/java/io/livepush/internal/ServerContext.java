package io.livepush.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.LivePushConfig;
import io.livepush.Presence;
import io.livepush.Principal;
import io.livepush.RequestInfo;
import io.livepush.Topics;
import io.livepush.spi.AdmittedRequest;
import io.livepush.spi.LogSafe;
import io.livepush.spi.Transport;
import io.livepush.spi.TransportContext;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The core as one transport sees it: the admission stage, later authorization, presence and publishing. */
public final class ServerContext implements TransportContext {
  private static final Logger LOG = LoggerFactory.getLogger(ServerContext.class);

  /** How the server publishes; the server's own validation and bus handling stay in one place. */
  public interface Publisher {
    EventId publish(String topic, Event event);

    CompletableFuture<EventId> publishAsync(String topic, Event event);
  }

  private final Hub hub;
  private final Admission admission;
  private final Transport transport;
  private final int index;
  private final Publisher publisher;

  public ServerContext(Hub hub, Admission admission, Transport transport, int index, Publisher publisher) {
    this.hub = hub;
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
  public boolean canSubscribe(Principal principal, RequestInfo request, String topic) {
    String decided = Topics.authorizationTopic(topic);
    if (decided.isEmpty()) {
      hub.stats().refused(Stats.FORBIDDEN);
      return false;
    }
    return authorized(hub.config.topicAuthorizer()::canSubscribe, principal, request, decided);
  }

  /** Companion topics belong to livepush: no client publishes to them, whatever the authorizer says. */
  @Override
  public boolean canPublish(Principal principal, RequestInfo request, String topic) {
    if (topic != null && Topics.isCompanion(topic)) {
      hub.stats().refused(Stats.FORBIDDEN);
      return false;
    }
    return authorized(hub.config.topicAuthorizer()::canPublish, principal, request, topic);
  }

  private boolean authorized(Decision decision, Principal principal, RequestInfo request, String topic) {
    boolean ok;
    try {
      ok = decision.allows(principal, request, topic);
    } catch (RuntimeException e) {
      LOG.warn("topic authorizer failed on {} for {}", request, LogSafe.of(topic), LogSafe.throwable(e));
      ok = false;
    }
    if (!ok) {
      hub.stats().refused(Stats.FORBIDDEN);
    }
    return ok;
  }

  @FunctionalInterface
  private interface Decision {
    boolean allows(Principal principal, RequestInfo request, String topic);
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
