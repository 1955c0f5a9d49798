package io.livepush.spring.boot;

import io.livepush.LivePushServer;
import io.livepush.ReplayConfig;
import io.livepush.longpoll.LongPollTransport;
import io.livepush.sse.SseTransport;
import io.livepush.websocket.WebSocketTransport;
import java.nio.file.Path;
import java.util.List;
import org.springframework.util.unit.DataSize;

/** Applies {@link LivePushProperties} to the builders; the builders validate every value. */
final class PropertiesMapper {
  private PropertiesMapper() {}

  static void server(LivePushProperties p, LivePushServer.Builder b) {
    b.port(p.port()).host(p.host()).ioThreads(p.ioThreads()).nativeTransport(p.nativeTransport());
    if (!p.allowedHosts().isEmpty()) {
      b.allowedHosts(p.allowedHosts().toArray(String[]::new));
    }
    if (p.statsPath() != null) {
      b.statsService(p.statsPath());
    }
    LivePushProperties.Limits l = p.limits();
    b.maxConnections(l.maxConnections())
        .maxConnectionsPerAddress(l.maxConnectionsPerAddress())
        .maxTopicsPerConnection(l.maxTopicsPerConnection())
        .connectionRate(l.connectionRate(), l.connectionBurst())
        .authenticationFailureRate(l.authFailureRate(), l.authFailureBurst())
        .maxPendingOutboundBytes(bytes("livepush.limits.max-pending-outbound", l.maxPendingOutbound()))
        .maxEventBytes(bytes("livepush.limits.max-event-size", l.maxEventSize()))
        .maxRequestBytes(bytes("livepush.limits.max-request-size", l.maxRequestSize()))
        .maxInitialLineBytes(bytes("livepush.limits.max-initial-line-size", l.maxInitialLineSize()))
        .maxHeaderBytes(bytes("livepush.limits.max-header-size", l.maxHeaderSize()))
        .requestHeaderTimeout(l.requestHeaderTimeout());
    b.heartbeatInterval(p.heartbeat().interval()).heartbeatTimeout(p.heartbeat().timeout());
    b.retry(p.sse().retry());
    LivePushProperties.Replay r = p.replay();
    b.replay(ReplayConfig.builder()
        .maxEventsPerTopic(r.maxEventsPerTopic())
        .maxBytesPerTopic(r.maxSizePerTopic().toBytes())
        .maxTotalBytes(r.maxTotalSize().toBytes())
        .maxAge(r.maxAge())
        .build());
    b.shutdownDrain(p.shutdown().drain()).shutdownBatchSize(p.shutdown().batchSize());
    LivePushProperties.Tls tls = p.tls();
    boolean files = tls.certificate() != null || tls.privateKey() != null;
    if (files && tls.selfSigned()) {
      throw new IllegalArgumentException("livepush.tls.self-signed: true (expected: not together with "
          + "livepush.tls.certificate / private-key)");
    }
    if (files) {
      if (tls.certificate() == null || tls.privateKey() == null) {
        throw new IllegalArgumentException("livepush.tls: one of certificate, private-key (expected: both)");
      }
      b.tls(Path.of(tls.certificate()), Path.of(tls.privateKey()));
    } else if (tls.selfSigned()) {
      b.tlsSelfSigned();
    }
  }

  /** Whether the properties alone give SSE something to serve. */
  static boolean hasSseRoutes(LivePushProperties p) {
    return !p.sse().routes().isEmpty() || p.sse().multiTopicPath() != null;
  }

  static void sse(LivePushProperties p, SseTransport.Builder b) {
    for (LivePushProperties.Route r : p.sse().routes()) {
      if (r.path() == null || r.topic() == null) {
        throw new IllegalArgumentException("livepush.sse.routes: " + r + " (expected: both path and topic)");
      }
      b.route(r.path(), r.topic());
    }
    if (p.sse().multiTopicPath() != null) {
      b.multiTopicPath(p.sse().multiTopicPath());
    }
    if (!p.allowedOrigins().isEmpty()) {
      b.allowedOrigins(p.allowedOrigins().toArray(String[]::new));
    }
    b.allowCredentials(p.sse().allowCredentials());
  }

  static void webSocket(LivePushProperties p, WebSocketTransport.Builder b) {
    LivePushProperties.WebSocket ws = p.websocket();
    if (!ws.paths().isEmpty()) {
      b.path(ws.paths().toArray(String[]::new));
    }
    List<String> origins = p.allowedOrigins();
    if (origins.contains("*")) {
      b.allowAnyOrigin();
    } else if (!origins.isEmpty()) {
      b.allowedOrigins(origins.toArray(String[]::new));
    }
    b.maxFrameSize(bytes("livepush.websocket.max-frame-size", ws.maxFrameSize()))
        .maxMessageSize(bytes("livepush.websocket.max-message-size", ws.maxMessageSize()))
        .handshakeTimeout(ws.handshakeTimeout())
        .maxPendingMessages(ws.maxPendingMessages());
    if (ws.permessageDeflateMaxSize() != null) {
      b.permessageDeflate(bytes("livepush.websocket.permessage-deflate-max-size", ws.permessageDeflateMaxSize()));
    }
  }

  static void longPoll(LivePushProperties p, LongPollTransport.Builder b) {
    LivePushProperties.LongPoll lp = p.longpoll();
    b.path(lp.path()).timeout(lp.timeout()).maxPolls(lp.maxPolls()).maxBatchEvents(lp.maxBatchEvents())
        .maxBatchBytes(bytes("livepush.longpoll.max-batch-size", lp.maxBatchSize()))
        .allowCredentials(lp.allowCredentials());
    if (!p.allowedOrigins().isEmpty()) {
      b.allowedOrigins(p.allowedOrigins().toArray(String[]::new));
    }
  }

  /** A size as the int byte count the builders take. */
  static int bytes(String property, DataSize size) {
    long n = size.toBytes();
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(property + ": " + size + " (expected: < 2GB)");
    }
    return (int) n;
  }
}
