/**
 * livepush's API: {@link io.livepush.LivePushServer} and its builder, {@link io.livepush.Event},
 * {@link io.livepush.EventId}, configuration, hooks and exceptions. Start with {@link io.livepush.LivePushServer}.
 */
package io.livepush;
