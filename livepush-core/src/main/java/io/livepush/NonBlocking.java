package io.livepush;

/**
 * A marker for application callbacks ({@link Authenticator}, {@link TopicAuthorizer}, {@link HttpService},
 * {@link ConnectionListener}, and the transports' handlers) that promise never to block: livepush then calls them
 * directly on the connection's event loop, saving the hop to the server's blocking executor
 * ({@link LivePushServer.Builder#blockingExecutor}). Such a callback must not wait for I/O, locks held long or
 * other threads; on a cluster it publishes with {@link LivePushServer#publishAsync} (a blocking
 * {@link LivePushServer#publish} throws on an event loop there).
 *
 * <p>Implement it on a callback class, or wrap a lambda with the callback type's {@code nonBlocking} factory
 * (for example {@link Authenticator#nonBlocking}).
 */
public interface NonBlocking {}
