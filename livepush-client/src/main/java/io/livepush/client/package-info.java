/**
 * A Java client for livepush streams: {@link io.livepush.client.LivePushClient} follows topics over server-sent
 * events (WHATWG HTML §9.2) or WebSocket (RFC 6455, subprotocol {@code livepush.v1}) on the JDK's
 * {@code java.net.http}, resumes from its last id after any drop, surfaces {@link io.livepush.client.Reset}s, and
 * delivers through a {@link io.livepush.client.LivePushListener} or a {@link java.util.concurrent.Flow.Publisher}
 * whose demand paces reading. See {@code docs/java-client.md}.
 */
package io.livepush.client;
