/** Runnable examples: the live scoreboard ({@link io.livepush.examples.ScoreboardApp}) and the README's quick start. */
package io.livepush.examples;
