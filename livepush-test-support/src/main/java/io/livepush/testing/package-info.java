/** Test-only helpers shared by livepush modules (the Netty leak gate, a delivery checker, a cuttable TCP proxy). Not a runtime dependency. */
package io.livepush.testing;
