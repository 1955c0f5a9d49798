package io.livepush.spi;

/**
 * Timings the core measures but does not aggregate: a metrics library (livepush-micrometer) records them in its
 * histograms. Counters and gauges are read from {@code LivePushServer.stats()} instead; this hook carries only
 * what a snapshot cannot (distributions). Register with {@code LivePushServer.addMetricsListener}.
 *
 * <p><b>Threads.</b> Methods run on the thread that measured: an event loop or a bus thread. They must not block,
 * must not throw, and should not allocate (they run once per event per loop); a slow listener slows delivery.
 * Both methods do nothing by default.
 */
public interface MetricsListener {

  /**
   * One delivery sample: {@code nanos} from the event's append to this node's replay log to the end of one
   * delivery task, the task that wrote the event to every subscriber of its topic on one event loop ("written"
   * means queued on the channel; the socket write follows at the flush). Sampled once per event per event loop
   * with subscribers, not per subscriber. Runs on that event loop.
   *
   * @param nanos elapsed nanoseconds, {@code >= 0} for the system clock
   */
  default void deliveryLatency(long nanos) {
  }

  /**
   * One application publish through the cluster bus completed: {@code nanos} from the call to
   * {@code publishAsync} until the bus accepted ({@code failed == false}) or failed it. Runs on the bus's
   * completing thread (or the caller's, when the bus fails at once).
   *
   * @param nanos elapsed nanoseconds
   * @param failed whether the bus refused the event or could not be reached
   */
  default void busPublish(long nanos, boolean failed) {
  }
}
