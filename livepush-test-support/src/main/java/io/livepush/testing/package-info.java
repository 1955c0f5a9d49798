/** Test-only helpers shared by livepush modules (the Netty leak gate). Not a runtime dependency. */
package io.livepush.testing;
