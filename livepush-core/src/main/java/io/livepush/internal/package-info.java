/**
 * Implementation: the fan-out hub, the replay log, sessions and routing. Public only so the server can be
 * assembled; anything here may change in any release.
 */
package io.livepush.internal;
