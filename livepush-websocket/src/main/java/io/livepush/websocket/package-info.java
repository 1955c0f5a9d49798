/**
 * WebSocket transport for livepush (RFC 6455; subprotocol {@code livepush.v1}, see {@code docs/protocol.md}):
 * {@link io.livepush.websocket.WebSocketTransport}, the application side
 * ({@link io.livepush.websocket.WebSocketMessageHandler}, {@link io.livepush.websocket.WebSocketConnection},
 * {@link io.livepush.websocket.ClientMessage}) and {@link io.livepush.websocket.CloseCodes}.
 */
package io.livepush.websocket;
