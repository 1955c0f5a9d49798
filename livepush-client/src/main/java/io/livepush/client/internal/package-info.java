/** Implementation of {@code io.livepush.client}: not API, may change in any release. */
package io.livepush.client.internal;
