/**
 * livepush's long-polling transport ({@link io.livepush.longpoll.LongPollTransport}): JSON batches from the shared
 * replay log, for clients behind proxies that buffer streams or block upgrades.
 */
package io.livepush.longpoll;
