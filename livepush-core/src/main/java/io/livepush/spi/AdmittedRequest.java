package io.livepush.spi;

import io.livepush.Principal;
import io.livepush.RequestInfo;
import io.netty.channel.Channel;
import java.util.List;

/**
 * A request that passed the core's admission stage ({@link TransportContext#admit}): it is authenticated, holds
 * a connection slot (total, per-address and admission-rate limits) and every topic it names is authorized. It is
 * the only way a transport can open a {@link Session}, so no transport can skip a guard.
 *
 * <p>Exactly one of {@link #openSession} and {@link #release} must be called, once; the core also releases the
 * slot when the channel closes before either. <b>Threading:</b> both on the channel's event loop; the accessors
 * from any thread.
 */
public interface AdmittedRequest {
  /**
   * The request, as applications see it (its headers until the session decides whether to keep them).
   *
   * @return the request; never {@code null}
   */
  RequestInfo request();

  /**
   * Who the {@link io.livepush.Authenticator} said sent it.
   *
   * @return the principal, {@link Principal#ANONYMOUS} without an authenticator; never {@code null}
   */
  Principal principal();

  /**
   * The topics the request follows from its first byte, validated, at most {@code maxTopicsPerConnection}, each
   * allowed by the {@link io.livepush.TopicAuthorizer}; empty when the transport asked for none (WebSocket,
   * one-off streams).
   *
   * @return the topics, unmodifiable, in the order requested; never {@code null}
   */
  List<String> topics();

  /**
   * Registers {@code channel} as a streaming connection with this request's principal, after the transport wrote
   * its response head (or upgrade). The slot passes to the session. On the channel's event loop.
   *
   * <p>The channel is the admitted one, or another stream of the same connection (same
   * {@link Channel#parent()}): a WebTransport session is admitted on its CONNECT stream and streams on the
   * bidirectional stream the client opens for it.
   *
   * @param channel the request's channel, or a stream of its connection; active, with the transport's handlers
   *     installed
   * @return the open session, which now owns the connection slot
   * @throws IllegalStateException if called twice or after {@link #release()}
   * @throws IllegalArgumentException if {@code channel} is neither the admitted channel nor a stream of its
   *     connection
   */
  Session openSession(Channel channel);

  /** Returns the slot when no session will be opened (the handshake failed, the handler refused); idempotent. */
  void release();
}
