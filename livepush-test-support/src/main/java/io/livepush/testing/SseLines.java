package io.livepush.testing;

/**
 * The line-by-line part of WHATWG HTML §9.2.6 "interpret an event stream" for test clients: fields {@code data},
 * {@code event}, {@code id} (ignored when it contains U+0000), {@code retry}; comments; a blank line ends a block.
 * The caller splits the stream into lines (CR, LF or CRLF removed). Not thread-safe: one reader feeds one parser.
 */
public final class SseLines {
  /** What the parser reports; every method runs on the feeding thread. */
  public interface Handler {
    /**
     * A blank line ended a block. {@code type} is {@code "message"} when the block had no {@code event} field;
     * {@code data} is {@code null} when it had no {@code data} field (then browsers dispatch nothing);
     * {@code lastEventId} is the last-event-id buffer after the block.
     */
    void block(String type, String data, String lastEventId);

    /** A comment line, with its leading colon. */
    default void comment(String line) {}

    /** An {@code id} field set the last-event-id buffer to {@code id}. */
    default void id(String id) {}

    /** A {@code retry} field, unparsed. */
    default void retry(String value) {}
  }

  private final Handler handler;
  private String lastEventId;
  private String type = "";
  private final StringBuilder data = new StringBuilder();
  private boolean hasData;

  /** A parser that starts with {@code lastEventId} as its last-event-id buffer. */
  public SseLines(String lastEventId, Handler handler) {
    this.lastEventId = lastEventId;
    this.handler = handler;
  }

  /** Takes the next line of the stream, without its line break. */
  public void line(String line) {
    if (line.isEmpty()) {
      handler.block(type.isEmpty() ? "message" : type, hasData ? data.toString() : null, lastEventId);
      type = "";
      data.setLength(0);
      hasData = false;
      return;
    }
    if (line.startsWith(":")) {
      handler.comment(line);
      return;
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "data" -> {
        if (hasData) {
          data.append('\n');
        }
        data.append(value);
        hasData = true;
      }
      case "event" -> type = value;
      case "id" -> {
        if (value.indexOf('\0') < 0) {
          lastEventId = value;
          handler.id(value);
        }
      }
      case "retry" -> handler.retry(value);
      default -> { }
    }
  }
}
