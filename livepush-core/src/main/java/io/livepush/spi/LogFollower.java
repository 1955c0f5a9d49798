package io.livepush.spi;

import io.livepush.EventId;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reading side every log-based {@link EventBus} shares: it applies the engine's records to a node's
 * {@link EventBus.Sink} in order, drops records already applied, turns holes into {@link EventBus.Sink#gap gaps}
 * and epoch changes into {@link EventBus.Sink#rebase rebases}. A bus keeps only its engine's calls (read a batch,
 * reconnect, find the epoch) and hands every record to {@link #apply}.
 *
 * <p>Position: {@link #last()} is the offset of the last record applied (or the head the node joined at); the
 * engine resumes reading after it, so a dropped connection leaves no hole.
 *
 * <p>Threads: not thread-safe; exactly one reader (a bus's reader chain or thread) calls it, one call at a time,
 * which is also what the sink requires. Calls never block beyond the sink's brief log lock.
 */
public final class LogFollower {
  private static final Logger LOG = LoggerFactory.getLogger(LogFollower.class);

  /** What {@link #apply} did with a record. */
  public enum Applied {
    /** Appended to the node's log (after a gap, if offsets were skipped on a contiguous log). */
    APPLIED,
    /** At or before {@link #last()}: already applied, ignored. */
    DUPLICATE,
    /** From another epoch: nothing applied; the bus must find the engine's current epoch and {@link #rebase}. */
    FOREIGN_EPOCH
  }

  private final EventBus.Sink sink;
  private final boolean contiguous;
  private final String name;
  private long epoch = -1;
  private long last;

  /**
   * A follower that feeds {@code sink} in offset order.
   *
   * @param sink the node's sink
   * @param contiguous whether the engine's offsets have no holes (Redis: the publish script counts them), so a
   *     skipped offset means trimmed events; {@code false} when holes are normal (Kafka transaction markers), and
   *     the engine reports lost ranges itself with {@link #lost}
   * @param name the bus's name in log messages
   */
  public LogFollower(EventBus.Sink sink, boolean contiguous, String name) {
    this.sink = Objects.requireNonNull(sink, "sink");
    this.contiguous = contiguous;
    this.name = Objects.requireNonNull(name, "name");
  }

  /**
   * Whether {@link #rebase} was called at least once.
   *
   * @return whether {@link #rebase} was called at least once
   */
  public boolean joined() {
    return epoch >= 0;
  }

  /**
   * The epoch the node follows, or -1 before the first {@link #rebase}.
   *
   * @return the epoch the node follows, or -1 before the first {@link #rebase}
   */
  public long epoch() {
    return epoch;
  }

  /**
   * The offset of the last record applied, or the position of the last {@link #rebase}.
   *
   * @return the offset of the last record applied, or the position of the last {@link #rebase}
   */
  public long last() {
    return last;
  }

  /**
   * Continues from {@code position}: on joining (the node's log starts there) and when the engine's epoch
   * changed (its history was lost; subscribers get {@code reset} {@code epoch-changed}).
   *
   * @param position the position the node's log continues from
   */
  public void rebase(EventId position) {
    if (joined() && position.epoch() != epoch) {
      LOG.warn("{} epoch changed {} -> {}: the log's history was lost; subscribers get reset", name,
          Long.toString(epoch, 36), Long.toString(position.epoch(), 36));
    } else if (!joined()) {
      LOG.info("{} joined epoch {} at offset {}", name, Long.toString(position.epoch(), 36), position.offset());
    }
    epoch = position.epoch();
    last = position.offset();
    sink.rebase(position);
  }

  /**
   * Applies the next record read from the engine: appends it when it is after {@link #last()} in the followed
   * epoch; on a contiguous log, offsets skipped before it are reported as a {@link EventBus.Sink#gap gap} first.
   *
   * @param event the record, with its id in the log
   * @return what was done with it
   * @throws IllegalStateException before the first {@link #rebase}
   */
  public Applied apply(PublishedEvent event) {
    if (!joined()) {
      throw new IllegalStateException("apply before rebase");
    }
    EventId id = event.id();
    if (id.epoch() != epoch) {
      return Applied.FOREIGN_EPOCH;
    }
    if (id.offset() <= last) {
      return Applied.DUPLICATE;
    }
    if (contiguous && id.offset() > last + 1) {
      sink.gap(EventId.of(epoch, last), EventId.of(epoch, id.offset() - 1));
    }
    last = id.offset();
    sink.append(event);
    return Applied.APPLIED;
  }

  /**
   * The engine lost records up to and including {@code through} before this node read them (retention removed
   * them): every subscriber gets {@code reset} ({@code too-old}). No-op when {@code through} is not after
   * {@link #last()}.
   *
   * @param through the last offset lost (inclusive)
   */
  public void lost(long through) {
    if (through <= last) {
      return;
    }
    sink.gap(EventId.of(epoch, last), EventId.of(epoch, through));
    last = through;
  }
}
