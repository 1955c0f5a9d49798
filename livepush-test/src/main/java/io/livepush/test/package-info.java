/**
 * A test kit for applications that use livepush: {@link io.livepush.test.LivePushExtension} starts a
 * {@code LivePushServer} on a free port for each test, {@link io.livepush.test.TestLivePush} publishes and opens
 * clients, and {@link io.livepush.test.RecordingClient} asserts on what a client received (in order, no gaps,
 * resets with their reason). Use it with test scope. See {@code docs/java-client.md}.
 */
package io.livepush.test;
