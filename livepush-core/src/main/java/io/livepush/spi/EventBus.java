package io.livepush.spi;

import io.livepush.Event;
import io.livepush.EventId;
import io.livepush.ResetReason;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A cluster log shared by several livepush nodes (Redis Streams in {@code livepush-redis}; Kafka or NATS
 * JetStream could fill it too). Plug one in with {@code LivePushServer.Builder.bus(...)}; without one a server
 * keeps its in-memory, single-node log.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>One sequence.</b> The bus assigns every event an {@link EventId} from <em>one</em> offset sequence
 *       for all topics, in one epoch, exactly as the single-node log does; so the id a client holds means the
 *       same on every node and still resumes all of a connection's topics at once.</li>
 *   <li><b>In order, complete.</b> The bus hands each node every event through {@link Sink#append}, in offset
 *       order, one call at a time. If it cannot (events were trimmed before this node read them) it says so
 *       with {@link Sink#gap}; if the history itself was lost (storage wiped, new epoch) it calls
 *       {@link Sink#rebase}. Nodes turn both into {@code reset}s for their clients: never a silent hole, never
 *       a wrong replay.</li>
 *   <li><b>History.</b> {@link #history} reads older events back, so a client can resume on a node whose local
 *       replay log (a cache) does not reach back far enough.</li>
 *   <li><b>Threads.</b> No method may block; futures complete on the bus's own threads. Sink methods may be
 *       called from any thread but never concurrently.</li>
 * </ul>
 * A bus instance serves one server: {@link #start} is called once when the server starts, {@link #stop} once
 * when it stops, also when its start failed (then only if {@link #start} was called).
 */
public interface EventBus {

  /**
   * Connects and starts feeding {@code sink}. The first call on the sink must be {@link Sink#rebase} with the
   * bus's current epoch and head, so the node's log continues the cluster's sequence. The stage completes once
   * that happened; it completes exceptionally if the bus is unreachable (the server then fails to start).
   *
   * @param sink where the bus delivers the cluster log; not {@code null}, used until {@link #stop}
   * @return completes (on a bus thread) once the first {@link Sink#rebase} was delivered; never {@code null}
   */
  CompletionStage<Void> start(Sink sink);

  /**
   * Appends one event to the cluster log. The stage completes with its cluster-wide id once the bus has
   * accepted it (local subscribers receive it when the bus feeds it back through {@link Sink#append}); it
   * completes exceptionally, fast, when the bus is unreachable. A failure after the request was sent is
   * ambiguous: the event may or may not have been appended.
   *
   * @param topic the validated topic name; not {@code null}
   * @param type the validated event type, or {@code null} for the default ({@code message})
   * @param kind how the payload is encoded; not {@code null}
   * @param payload the event data, owned by the bus from this call on (the caller must not modify it)
   * @return completes with the cluster-assigned id, on a bus thread; never {@code null}
   */
  CompletionStage<EventId> publish(String topic, String type, Event.Kind kind, byte[] payload);

  /**
   * Reads the events of {@code topics} with ids in ({@code after}, {@code upTo}], in offset order, to let a
   * client resume on a node whose local log starts later. Completes with a {@link History#reset reset} reason
   * instead when the bus cannot vouch for the whole range (trimmed, another epoch, too long to read).
   *
   * @param topics the topics to read; not {@code null} or empty
   * @param after exclusive lower bound; not {@code null}
   * @param upTo inclusive upper bound, in the same epoch as {@code after}; not {@code null}
   * @return completes, on a bus thread, with the events or a reset reason; never {@code null}
   */
  CompletionStage<History> history(Collection<String> topics, EventId after, EventId upTo);

  /**
   * Optional: the resume position for a time (resume by time: SSE {@code ?since=}, WebSocket {@code "from"} with
   * an RFC 3339 time; docs/protocol.md "Resume by time"). The position {@code p} must be such that resuming
   * after {@code p} replays exactly the cluster log's events published at or after {@code time}: {@code p} is
   * just before the first such event that is still retained, or the head when there is none. When events that
   * may have been published at or after {@code time} are no longer retained, {@code p} must make
   * {@link #history} answer {@link ResetReason#TOO_OLD} (a position below the oldest retained event), so the
   * client gets an explicit {@code reset}, never a silent hole. The core asks only for times not after its own
   * clock's now (a later time is "live from now").
   *
   * <p>The default completes exceptionally with {@link UnsupportedOperationException}: the server then answers
   * a resume by time with 400 (SSE, long-polling) or the WebSocket error {@code unsupported}.
   *
   * @param time the time to resume from; not {@code null}
   * @return completes, on a bus thread, with the position in the bus's current epoch; exceptionally when the
   *     backend cannot be read (answered like an unreachable bus: 503, WebSocket {@code unavailable}); never
   *     {@code null}
   */
  default CompletionStage<EventId> positionAt(java.time.Instant time) {
    return java.util.concurrent.CompletableFuture.failedFuture(
        new UnsupportedOperationException(getClass().getSimpleName() + " cannot resume by time"));
  }

  /**
   * Optional: makes presence cluster-wide. Called once, right after {@link #start} succeeded, before the server
   * accepts connections. A bus that supports it keeps exchanging {@code presence}'s members with the
   * other nodes on its own threads (see {@link ClusterPresence}) until {@link #stop}, and returns {@code true};
   * the default returns {@code false} and presence stays per node.
   *
   * @param presence this node's presence, to publish to and merge from the other nodes; not {@code null}
   * @return {@code true} if the bus makes presence cluster-wide, {@code false} if presence stays per node
   */
  default boolean startPresence(ClusterPresence presence) {
    return false;
  }

  /**
   * Optional: asks the bus's backend whether it answers, for health checks (the Spring Boot starter's health
   * indicator). A bus that supports it sends one cheap request (Redis: {@code PING}) and completes normally
   * when answered, exceptionally when the backend is unreachable; it must not block and should fail within its
   * command timeout. The default completes exceptionally with {@link UnsupportedOperationException}: reachability
   * unknown.
   *
   * @return completes, on a bus thread, once the backend answered; never {@code null}
   */
  default CompletionStage<Void> ping() {
    return java.util.concurrent.CompletableFuture.failedFuture(
        new UnsupportedOperationException(getClass().getSimpleName() + " has no ping"));
  }

  /**
   * Stops reading and releases connections. Idempotent.
   *
   * @return completes, on a bus thread, once the connections are released; never {@code null}
   */
  CompletionStage<Void> stop();

  /** What a node does with what the bus delivers. */
  interface Sink {
    /**
     * The next event of the cluster log, with its cluster-assigned id.
     *
     * @param event the event, its id one offset past the previous call's; not {@code null}
     */
    void append(PublishedEvent event);

    /**
     * Continuity is broken (first connect, or the bus lost its history): the node's log continues from
     * {@code position}; if its epoch differs from the node's, every subscriber gets a {@code reset}
     * ({@link ResetReason#EPOCH_CHANGED}).
     *
     * @param position the cluster log's current head (epoch and offset); not {@code null}
     */
    void rebase(EventId position);

    /**
     * Events with offsets in ({@code from}, {@code to}] are gone before this node could read them: every
     * subscriber gets a {@code reset} ({@link ResetReason#TOO_OLD}) at {@code to}.
     *
     * @param from exclusive start of the lost range; not {@code null}
     * @param to inclusive end of the lost range, where the log continues; not {@code null}
     */
    void gap(EventId from, EventId to);
  }

  /** The answer to {@link #history}: either {@code events} (when {@code reset} is {@code null}) or a reset. */
  final class History {
    private final ResetReason reset;
    private final List<PublishedEvent> events;

    private History(ResetReason reset, List<PublishedEvent> events) {
      this.reset = reset;
      this.events = events;
    }

    /**
     * The complete history of the range, in offset order.
     *
     * @param events the events in offset order, copied; not {@code null}, no {@code null} elements
     * @return a history that serves the range
     */
    public static History of(List<PublishedEvent> events) {
      return new History(null, List.copyOf(events));
    }

    /**
     * The range cannot be served.
     *
     * @param reason why, sent to the client in its {@code reset}; not {@code null}
     * @return a history with no events
     * @throws NullPointerException if {@code reason} is {@code null}
     */
    public static History reset(ResetReason reason) {
      return new History(Objects.requireNonNull(reason, "reason"), List.of());
    }

    /**
     * Why the range cannot be served.
     *
     * @return the reason, or {@code null} when {@link #events()} is the complete range
     */
    public ResetReason reset() {
      return reset;
    }

    /**
     * The events of the range.
     *
     * @return the events in offset order, unmodifiable; empty on reset, never {@code null}
     */
    public List<PublishedEvent> events() {
      return events;
    }
  }
}
