/**
 * The server-sent events transport (WHATWG HTML §9.2): {@link io.livepush.sse.SseTransport},
 * {@link io.livepush.sse.SseEncoder} and application-written streams ({@link io.livepush.sse.SseEmitter}).
 */
package io.livepush.sse;
