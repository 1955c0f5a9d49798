package io.livepush;

/**
 * Why a subscription could not resume from the position a client asked for. The client receives a
 * {@code reset} (SSE {@code event: reset}, WebSocket {@code {"type":"reset"}}) carrying {@link #code()}, then
 * live events: its application must reload state. livepush never skips events silently.
 */
public enum ResetReason {
  /** The id belongs to another history: the server restarted or the shared bus lost its data. */
  EPOCH_CHANGED("epoch-changed"),
  /** Events after the id have already left the replay log (count, bytes or age limit). */
  TOO_OLD("too-old"),
  /** The id is ahead of anything this log has assigned. */
  UNKNOWN_POSITION("unknown-position"),
  /** The connection fell too far behind and events were dropped under the slow-consumer policy. */
  SLOW_CONSUMER("slow-consumer");

  private final String code;

  ResetReason(String code) {
    this.code = code;
  }

  /**
   * The stable wire code, for example {@code "too-old"}.
   *
   * @return the code, lower-case ASCII with hyphens; never {@code null}
   */
  public String code() {
    return code;
  }
}
