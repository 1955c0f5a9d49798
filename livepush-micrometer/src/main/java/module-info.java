/**
 * Micrometer metrics for livepush: {@link io.livepush.micrometer.LivePushMeterBinder}. Micrometer's core module
 * ({@code micrometer.core}) is required transitively because {@code MeterBinder} and {@code Tag} appear in the
 * binder's signatures
 * (an automatic module).
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.livepush.micrometer {
  requires transitive io.livepush.core;
  requires transitive micrometer.core;

  exports io.livepush.micrometer;
}
